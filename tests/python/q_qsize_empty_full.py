import queue
import threading
q = queue.Queue(2)
print(q.qsize(), q.empty(), q.full())
q.put(1)
print(q.qsize(), q.empty(), q.full())
q.put(2)
print(q.qsize(), q.empty(), q.full())
print(q.maxsize)
