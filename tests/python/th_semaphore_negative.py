import threading
try:
    threading.Semaphore(-1)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
