import threading
l = threading.Lock()
l.acquire()
print(l.acquire(timeout=0.01))
print(l.locked())
