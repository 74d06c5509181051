import threading
b = threading.Barrier(3)
lock = threading.Lock()
idx = []
def party():
    i = b.wait()
    with lock:
        idx.append(i)
ts = [threading.Thread(target=party) for _ in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(idx))
print(b.parties, b.n_waiting, b.broken)
