import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(max_workers=3) as ex:
    print(list(ex.map(lambda x: x * x, range(10))))
