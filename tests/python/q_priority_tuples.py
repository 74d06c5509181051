import queue
import threading
q = queue.PriorityQueue()
for item in [(2, "b"), (1, "z"), (2, "a"), (0, "x")]:
    q.put(item)
while not q.empty():
    p, name = q.get()
    print(p, name)
