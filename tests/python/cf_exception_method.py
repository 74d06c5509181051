import concurrent.futures as cf
import threading
def bad():
    raise KeyError("k")
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(bad)
    e = f.exception()
    print(type(e).__name__, str(e))
    g = ex.submit(lambda: 1)
    print(g.exception())
