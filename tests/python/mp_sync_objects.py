import multiprocessing as mp
if __name__ == "__main__":
    s = mp.Semaphore(2)
    print(s.acquire(), s.acquire(), s.acquire(False))
    s.release()
    print(s.get_value())
    e = mp.Event()
    print(e.is_set())
    e.set()
    print(e.wait(0))
    b = mp.Barrier(1)
    print(b.wait())
    c = mp.Condition()
    with c:
        print(c.wait(0.01))
