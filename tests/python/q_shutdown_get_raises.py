# requires: 3.13
import queue
q = queue.Queue()
q.put(1)
q.shutdown()
print(q.get())
try:
    q.get()
except queue.ShutDown as e:
    print(f"{type(e).__name__}: {e}")
