import threading
l = threading.Lock()
count = [0]
def work():
    for _ in range(1000):
        with l:
            count[0] += 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(count[0])
