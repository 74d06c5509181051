import threading
l = threading.Lock()
l.acquire()
print(l.acquire(False))
print(l.acquire(blocking=False))
l.release()
print(l.acquire(False))
