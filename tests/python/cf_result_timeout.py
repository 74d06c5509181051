import concurrent.futures as cf
import threading
f = cf.Future()
try:
    f.result(timeout=0.01)
except TimeoutError as e:
    print(f"{type(e).__name__}: {e!r}")
try:
    f.exception(timeout=0)
except TimeoutError:
    print("exception() timed out too")
