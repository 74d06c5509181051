import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(4) as ex:
    print(sum(ex.map(lambda x: x, range(1000))))
