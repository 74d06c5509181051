import concurrent.futures as cf
import threading
gate = threading.Event()
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(gate.wait)
    done, not_done = cf.wait([f], timeout=0.01)
    print(len(done), len(not_done))
    gate.set()
