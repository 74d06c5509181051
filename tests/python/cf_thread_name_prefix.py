import concurrent.futures as cf
import threading
with cf.ThreadPoolExecutor(1, thread_name_prefix="pfx") as ex:
    print(ex.submit(lambda: threading.current_thread().name).result())
