import concurrent.futures as cf
import threading
f = cf.Future()
f.cancel()
try:
    f.exception()
except cf.CancelledError:
    print("CancelledError from exception()")
