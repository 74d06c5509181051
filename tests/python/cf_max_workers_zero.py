import concurrent.futures as cf
import threading
try:
    cf.ThreadPoolExecutor(max_workers=0)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
