import concurrent.futures as cf
import threading
gate = threading.Event()
started = threading.Event()
def block():
    started.set()
    gate.wait()
    return "ran"
ex = cf.ThreadPoolExecutor(1)
first = ex.submit(block)
started.wait()
rest = [ex.submit(lambda: "queued") for _ in range(3)]
ex.shutdown(wait=False, cancel_futures=True)
gate.set()
print(first.result(), [f.cancelled() for f in rest])
