import queue
import threading
q = queue.Queue()
for op in (lambda: q.get(timeout=-1), lambda: queue.Queue(1).put(1, timeout=-1)):
    try:
        op()
        print("no error")
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
q1 = queue.Queue(1)
q1.put(0)
try:
    q1.put(1, timeout=-1)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
