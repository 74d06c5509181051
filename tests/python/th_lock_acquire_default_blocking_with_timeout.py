import threading
l = threading.Lock()
print(l.acquire(True, 0.5))
print(l.acquire(True, 0))
l.release()
