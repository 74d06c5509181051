import concurrent.futures as cf
import threading
out = []
lock = threading.Lock()
def job(i):
    with lock:
        out.append(i)
ex = cf.ThreadPoolExecutor(2)
for i in range(20):
    ex.submit(job, i)
ex.shutdown(wait=True)
print(sorted(out) == list(range(20)))
