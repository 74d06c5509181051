import threading
c = threading.Condition()
try:
    c.notify()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
try:
    c.notify_all()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
