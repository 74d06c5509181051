import threading
b = threading.Barrier(2)
b.abort()
print(b.broken)
try:
    b.wait()
except threading.BrokenBarrierError as e:
    print(f"{type(e).__name__}: {e}")
