import threading
l = threading.Lock()
try:
    l.acquire(timeout=1e10)
except OverflowError as e:
    print(f"{type(e).__name__}: {e}")
