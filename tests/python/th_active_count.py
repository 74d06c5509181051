import threading
print(threading.active_count())
e = threading.Event()
ts = [threading.Thread(target=e.wait) for _ in range(3)]
for t in ts:
    t.start()
print(threading.active_count())
e.set()
for t in ts:
    t.join()
print(threading.active_count())
