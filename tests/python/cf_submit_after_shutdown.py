import concurrent.futures as cf
import threading
ex = cf.ThreadPoolExecutor(1)
ex.shutdown()
try:
    ex.submit(lambda: 1)
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
