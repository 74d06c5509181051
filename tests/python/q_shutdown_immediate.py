# requires: 3.13
import queue
q = queue.Queue()
for i in range(3):
    q.put(i)
q.shutdown(immediate=True)
print(q.qsize())
q.join()
print("join returned")
try:
    q.get()
except queue.ShutDown:
    print("ShutDown")
