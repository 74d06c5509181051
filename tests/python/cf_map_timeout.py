import concurrent.futures as cf
import threading
gate = threading.Event()
with cf.ThreadPoolExecutor(2) as ex:
    it = ex.map(lambda x: gate.wait() if x == 1 else x, [0, 1, 2], timeout=0.05)
    out = []
    try:
        for r in it:
            out.append(r)
    except TimeoutError as e:
        print(f"{type(e).__name__}: {e!r}")
    print(out)
    gate.set()
