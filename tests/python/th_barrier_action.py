import threading
runs = []
b = threading.Barrier(2, action=lambda: runs.append("action"))
def party():
    for _ in range(3):
        b.wait()
t = threading.Thread(target=party)
t.start()
party()
t.join()
print(len(runs))
