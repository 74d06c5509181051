import threading
try:
    threading.current_thread().join()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
