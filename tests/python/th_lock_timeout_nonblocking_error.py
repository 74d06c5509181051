import threading
l = threading.Lock()
try:
    l.acquire(False, 1)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
