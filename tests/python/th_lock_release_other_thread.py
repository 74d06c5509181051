import threading
l = threading.Lock()
def take():
    l.acquire()
t = threading.Thread(target=take)
t.start()
t.join()
print(l.locked())
l.release()
print(l.locked())
