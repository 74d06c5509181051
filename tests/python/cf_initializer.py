import concurrent.futures as cf
import threading
calls = []
lock = threading.Lock()
def init(tag):
    with lock:
        calls.append(tag)
with cf.ThreadPoolExecutor(1, initializer=init, initargs=("ready",)) as ex:
    print(ex.submit(lambda: len(calls)).result())
print(calls)
