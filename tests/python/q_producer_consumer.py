import queue
import threading
q = queue.Queue(maxsize=3)
lock = threading.Lock()
total = [0]
def producer(base):
    for i in range(100):
        q.put(base + i)
def consumer():
    while True:
        item = q.get()
        if item is None:
            break
        with lock:
            total[0] += item
ps = [threading.Thread(target=producer, args=(k * 1000,)) for k in range(4)]
cs = [threading.Thread(target=consumer) for _ in range(4)]
for t in ps + cs:
    t.start()
for t in ps:
    t.join()
for _ in cs:
    q.put(None)
for t in cs:
    t.join()
print(total[0])
