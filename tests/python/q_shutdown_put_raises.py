# requires: 3.13
import queue
q = queue.Queue()
q.shutdown()
try:
    q.put(1)
except queue.ShutDown:
    print("ShutDown on put")
try:
    q.get_nowait()
except queue.ShutDown:
    print("ShutDown on get")
