import queue
import threading
q = queue.Queue(1)
def putter():
    for i in range(5):
        q.put(i)
t = threading.Thread(target=putter)
t.start()
print([q.get() for _ in range(5)])
t.join()
