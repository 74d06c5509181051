import multiprocessing as mp
if __name__ == "__main__":
    r = mp.RLock()
    try:
        r.release()
    except AssertionError as e:
        print(f"{type(e).__name__}: {e}")
    r.acquire()
    r.acquire()
    r.release()
    r.release()
    print("balanced")
