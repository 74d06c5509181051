import concurrent.futures as cf
import threading
got = []
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(lambda: "x")
    f.result()
    f.add_done_callback(lambda fut: got.append(fut.done()))
    print(got)
