import threading
c = threading.Condition(threading.Lock())
box = []
def put():
    with c:
        box.append(42)
        c.notify()
with c:
    t = threading.Thread(target=put)
    t.start()
    c.wait_for(lambda: box)
    print(box)
t.join()
