import queue
import threading
q = queue.LifoQueue()
def prod():
    for i in range(10):
        q.put(i)
t = threading.Thread(target=prod)
t.start()
t.join()
print([q.get() for _ in range(10)])
