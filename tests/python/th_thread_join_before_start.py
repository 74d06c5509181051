import threading
t = threading.Thread(target=lambda: None)
try:
    t.join()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
