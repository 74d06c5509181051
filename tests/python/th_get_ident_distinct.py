import threading
lock = threading.Lock()
ids = []
barrier = threading.Barrier(3)
def rec():
    with lock:
        ids.append(threading.get_ident())
    barrier.wait()
ts = [threading.Thread(target=rec) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(set(ids)), threading.get_ident() in ids)
