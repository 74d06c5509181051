import threading
e = threading.Event()
lock = threading.Lock()
count = [0]
def waiter():
    e.wait()
    with lock:
        count[0] += 1
ts = [threading.Thread(target=waiter) for _ in range(5)]
for t in ts:
    t.start()
e.set()
for t in ts:
    t.join()
print(count[0])
