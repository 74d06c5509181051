import threading
s = threading.BoundedSemaphore(3)
s.acquire()
try:
    s.release(2)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
s.release(1)
print("ok")
