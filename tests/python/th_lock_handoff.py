import threading
# A lock used as a binary signal: released by a thread that never acquired it.
l = threading.Lock()
l.acquire()
out = []
def waiter():
    l.acquire()
    out.append("got it")
t = threading.Thread(target=waiter)
t.start()
l.release()
t.join()
print(out)
print(l.locked())
