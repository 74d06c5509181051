import queue
import threading
q = queue.Queue(0)
for i in range(1000):
    q.put_nowait(i)
print(q.full(), q.qsize())
q2 = queue.Queue(-5)
q2.put_nowait(1)
print(q2.full())
