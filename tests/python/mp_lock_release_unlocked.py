import multiprocessing as mp
if __name__ == "__main__":
    l = mp.Lock()
    try:
        l.release()
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
    with l:
        print(l.acquire(False))
    print(l.acquire(False))
