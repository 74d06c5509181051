import threading
b = threading.Barrier(1)
print(b.wait())
b.abort()
try:
    b.wait()
except RuntimeError as e:
    print("caught as RuntimeError:", type(e).__name__)
