import queue
import threading
q = queue.Queue()
try:
    q.get(timeout=0.01)
except queue.Empty:
    print("Empty after timeout")
