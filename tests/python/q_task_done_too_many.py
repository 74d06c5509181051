import queue
import threading
q = queue.Queue()
q.put(1)
q.get()
q.task_done()
try:
    q.task_done()
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
