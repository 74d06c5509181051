import queue
import threading
q = queue.Queue(maxsize=1)
q.put_nowait(1)
try:
    q.put_nowait(2)
except queue.Full as e:
    print(f"{type(e).__name__}: {e}")
print(q.qsize())
