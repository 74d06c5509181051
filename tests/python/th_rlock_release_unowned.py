import threading
r = threading.RLock()
try:
    r.release()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
