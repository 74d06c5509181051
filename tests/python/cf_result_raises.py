import concurrent.futures as cf
import threading
def bad():
    raise ValueError("bad value")
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(bad)
    try:
        f.result()
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
