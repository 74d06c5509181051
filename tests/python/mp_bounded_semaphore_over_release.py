import multiprocessing as mp
if __name__ == "__main__":
    s = mp.BoundedSemaphore(1)
    try:
        s.release()
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
    print(s.acquire(False), s.acquire(False))
