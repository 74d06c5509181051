import queue
import threading
q = queue.Queue()
lock = threading.Lock()
got = []
def producer(k):
    for i in range(20):
        q.put(k * 20 + i)
def consumer():
    for _ in range(20):
        item = q.get()
        with lock:
            got.append(item)
        q.task_done()
ts = [threading.Thread(target=producer, args=(k,)) for k in range(50)]
ts += [threading.Thread(target=consumer) for _ in range(50)]
for t in ts:
    t.start()
q.join()
for t in ts:
    t.join()
print(len(got), sorted(got) == list(range(1000)), q.empty())
