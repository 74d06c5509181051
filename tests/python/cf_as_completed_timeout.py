import concurrent.futures as cf
import threading
gate = threading.Event()
with cf.ThreadPoolExecutor(2) as ex:
    quick = ex.submit(lambda: "quick")
    quick.result()
    slow = ex.submit(gate.wait)
    seen = []
    try:
        for f in cf.as_completed([quick, slow], timeout=0.05):
            seen.append(f.result())
    except TimeoutError as e:
        print(f"{type(e).__name__}: {e}")
    print(seen)
    gate.set()
