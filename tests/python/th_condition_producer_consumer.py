import threading
c = threading.Condition()
items = []
def consumer():
    with c:
        c.wait_for(lambda: len(items) == 3)
        print("consumer saw", len(items))
t = threading.Thread(target=consumer)
t.start()
for i in range(3):
    with c:
        items.append(i)
        c.notify()
t.join()
