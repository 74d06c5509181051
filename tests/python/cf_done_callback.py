import concurrent.futures as cf
import threading
got = []
done = threading.Event()
def cb(fut):
    got.append(fut.result())
    done.set()
gate = threading.Event()
with cf.ThreadPoolExecutor(1) as ex:
    f = ex.submit(lambda: gate.wait() and 7)
    f.add_done_callback(cb)
    gate.set()
    done.wait()
print(got)
