import queue
import threading
q = queue.PriorityQueue()
for w in ["pear", "apple", "fig", "banana"]:
    q.put(w)
print(" ".join(q.get() for _ in range(4)))
