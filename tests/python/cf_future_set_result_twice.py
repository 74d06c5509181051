import concurrent.futures as cf
import threading
f = cf.Future()
print(f.done())
f.set_result(3)
print(f.result(), f.done())
try:
    f.set_result(4)
except cf.InvalidStateError as e:
    print(type(e).__name__)
