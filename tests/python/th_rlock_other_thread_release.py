import threading
r = threading.RLock()
r.acquire()
res = []
def other():
    try:
        r.release()
    except RuntimeError as e:
        res.append(f"{type(e).__name__}: {e}")
    res.append(r.acquire(False))
t = threading.Thread(target=other)
t.start()
t.join()
print(res)
r.release()
