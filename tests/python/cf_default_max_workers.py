import concurrent.futures as cf
import threading
import os
ex = cf.ThreadPoolExecutor()
print(ex._max_workers == min(32, (os.cpu_count() or 1) + 4))
ex.shutdown()
