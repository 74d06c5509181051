import concurrent.futures as cf
import threading
f = cf.Future()
print(f.cancel())
try:
    f.set_result(1)
except cf.InvalidStateError as e:
    print(type(e).__name__, str(e).split(":")[0])
