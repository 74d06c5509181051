import threading
l = threading.Lock()
l.acquire()
print(l.acquire(timeout=0))
