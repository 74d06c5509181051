import queue
import threading
q = queue.SimpleQueue()
for i in range(3):
    q.put(i)
print(q.qsize(), q.empty())
print([q.get() for _ in range(3)])
print(q.empty())
