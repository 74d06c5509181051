import concurrent.futures as cf
import threading
gate = threading.Event()
with cf.ThreadPoolExecutor(1) as ex:
    blocker = ex.submit(gate.wait)
    f = ex.submit(lambda: "never")
    print(f.cancel(), f.cancelled(), f.done())
    try:
        f.result()
    except cf.CancelledError as e:
        print(f"{type(e).__name__}: {e}")
    gate.set()
    print(blocker.result())
