import concurrent.futures as cf
import threading
gate = threading.Event()
with cf.ThreadPoolExecutor(2) as ex:
    slow = ex.submit(gate.wait)
    fast = ex.submit(lambda: "fast")
    done, not_done = cf.wait([slow, fast], return_when=cf.FIRST_COMPLETED)
    print(fast in done, slow in not_done, len(done), len(not_done))
    gate.set()
