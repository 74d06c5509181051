import threading
s = threading.Semaphore(1)
try:
    s.acquire(False, 1)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
