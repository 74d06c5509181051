import concurrent.futures as cf
import threading
started = threading.Event()
gate = threading.Event()
def job():
    started.set()
    gate.wait()
    return "finished"
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(job)
    started.wait()
    print(f.running(), f.cancel(), f.cancelled())
    gate.set()
    print(f.result())
