import concurrent.futures as cf
import threading
def inv(x):
    return 10 // x
with cf.ThreadPoolExecutor(2) as ex:
    out = []
    try:
        for r in ex.map(inv, [1, 2, 0, 5]):
            out.append(r)
    except ZeroDivisionError as e:
        print(f"{type(e).__name__}: {e}")
    print(out)
