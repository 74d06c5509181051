import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(max_workers=2) as ex:
    f = ex.submit(pow, 2, 10)
    print(f.result())
