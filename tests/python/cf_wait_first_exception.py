import concurrent.futures as cf
import threading
gate = threading.Event()
def bad():
    raise RuntimeError("fail")
with cf.ThreadPoolExecutor(2) as ex:
    slow = ex.submit(gate.wait)
    failing = ex.submit(bad)
    done, not_done = cf.wait([slow, failing], return_when=cf.FIRST_EXCEPTION)
    print(failing in done, slow in not_done)
    gate.set()
