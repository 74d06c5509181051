import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(2) as ex:
    fs = [ex.submit(lambda i=i: i) for i in range(4)]
    done, not_done = cf.wait(fs, return_when=cf.FIRST_EXCEPTION)
    print(len(done), len(not_done))
