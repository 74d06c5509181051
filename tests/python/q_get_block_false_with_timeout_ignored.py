import queue
import threading
q = queue.Queue()
try:
    q.get(False, 5)
except queue.Empty:
    print("Empty at once")
q.put(3)
print(q.get(False, 5))
