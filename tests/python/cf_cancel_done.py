import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(lambda: 5)
    f.result()
    print(f.cancel(), f.cancelled(), f.done())
