import threading
out = []
def add(a, b, scale=1):
    out.append((a + b) * scale)
ts = [threading.Thread(target=add, args=(i, 10), kwargs={"scale": 2}) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(out))
