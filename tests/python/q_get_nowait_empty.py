import queue
import threading
q = queue.Queue()
try:
    q.get_nowait()
except queue.Empty as e:
    print(f"{type(e).__name__}: {e}")
try:
    q.get(False)
except queue.Empty:
    print("Empty again")
