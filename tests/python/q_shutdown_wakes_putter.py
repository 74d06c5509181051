# requires: 3.13
import queue, threading
q = queue.Queue(1)
q.put("x")
out = []
def putter():
    try:
        q.put("y")
    except queue.ShutDown:
        out.append("putter woke with ShutDown")
t = threading.Thread(target=putter)
t.start()
q.shutdown()
t.join()
print(out, q.get())
