import concurrent.futures as cf
import threading
f = cf.Future()
f.set_exception(ValueError("nope"))
print(type(f.exception()).__name__, str(f.exception()))
try:
    f.result()
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
