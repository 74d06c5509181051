import queue
import threading
q = queue.PriorityQueue()
for p in [5, 1, 4, 2, 3, 1]:
    q.put(p)
print([q.get() for _ in range(6)])
