import threading
l = threading.Lock()
try:
    l.release()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
