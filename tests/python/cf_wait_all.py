import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(3) as ex:
    fs = [ex.submit(lambda i=i: i + 1) for i in range(6)]
    done, not_done = cf.wait(fs)
    print(len(done), len(not_done))
    print(sorted(f.result() for f in done))
