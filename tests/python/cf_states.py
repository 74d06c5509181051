import concurrent.futures as cf
import threading
started = threading.Event()
gate = threading.Event()
def job():
    started.set()
    gate.wait()
    return 1
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(job)
    started.wait()
    print(f.running(), f.done())
    gate.set()
    f.result()
    print(f.running(), f.done())
