import queue
import threading
q = queue.SimpleQueue()
def prod(k):
    for i in range(50):
        q.put(k)
ts = [threading.Thread(target=prod, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
got = [q.get() for _ in range(200)]
print(sum(got), q.empty())
