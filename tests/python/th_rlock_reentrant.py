import threading
r = threading.RLock()
for _ in range(3):
    print(r.acquire())
for _ in range(3):
    r.release()
try:
    r.release()
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
