import threading
t = threading.Thread(target=lambda: None)
t.start()
t.join()
try:
    t.start()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
