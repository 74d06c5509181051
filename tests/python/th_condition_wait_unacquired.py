import threading
c = threading.Condition()
try:
    c.wait()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
