import threading
r = threading.RLock()
c = threading.Condition(r)
flag = []
def setter():
    with c:
        flag.append(1)
        c.notify()
with r:
    with r:
        t = threading.Thread(target=setter)
        t.start()
        print(c.wait_for(lambda: flag))
    print("depth one")
t.join()
print(r.acquire(False))
r.release()
