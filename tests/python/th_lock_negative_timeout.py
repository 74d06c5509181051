import threading
# CPython 3.11's message (3.13: "timeout value must be a non-negative number").
l = threading.Lock()
try:
    l.acquire(True, -2)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
print(l.acquire(True, -1))
