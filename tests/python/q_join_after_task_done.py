import queue
import threading
q = queue.Queue()
done = []
def worker():
    while True:
        item = q.get()
        if item is None:
            q.task_done()
            break
        done.append(item * 2)
        q.task_done()
t = threading.Thread(target=worker)
t.start()
for i in range(5):
    q.put(i)
q.put(None)
q.join()
print(done)
t.join()
