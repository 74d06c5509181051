import queue
import threading
q = queue.Queue(1)
q.put("a")
try:
    q.put("b", timeout=0.01)
except queue.Full:
    print("Full after timeout")
print(q.get())
