import threading
s = threading.BoundedSemaphore(2)
s.acquire()
s.release()
try:
    s.release()
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
print(s.acquire(False), s.acquire(False), s.acquire(False))
