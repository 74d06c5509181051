import threading
s = threading.Semaphore(1)
try:
    s.release(0)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
