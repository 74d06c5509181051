import threading
e = threading.Event()
ts = [threading.Thread(target=e.wait, name=n) for n in ("b-worker", "a-worker")]
for t in ts:
    t.start()
print(sorted(t.name for t in threading.enumerate()))
e.set()
for t in ts:
    t.join()
print([t.name for t in threading.enumerate()])
