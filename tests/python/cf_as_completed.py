import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(3) as ex:
    fs = [ex.submit(lambda i=i: i * 10) for i in range(5)]
    print(sorted(f.result() for f in cf.as_completed(fs)))
