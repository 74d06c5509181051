import threading
data = threading.local()
data.x = "main"
seen = []
def work(v):
    print_attr = hasattr(data, "x")
    data.x = v
    seen.append((print_attr, data.x))
ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(seen))
print(data.x)
