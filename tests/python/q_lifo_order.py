import queue
import threading
q = queue.LifoQueue()
for i in range(5):
    q.put(i)
print([q.get() for _ in range(5)])
