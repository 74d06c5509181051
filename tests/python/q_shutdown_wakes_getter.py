# requires: 3.13
import queue, threading
q = queue.Queue()
out = []
started = threading.Event()
def getter():
    started.set()
    try:
        q.get()
    except queue.ShutDown:
        out.append("getter woke with ShutDown")
t = threading.Thread(target=getter)
t.start()
started.wait()
q.shutdown()
t.join()
print(out)
