# requires: 3.13
import threading
try:
    threading.Barrier(0)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
