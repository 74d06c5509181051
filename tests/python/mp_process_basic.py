import multiprocessing as mp
def work(q, x):
    q.put(x * x)

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=work, args=(q, 3))
    print(p.exitcode, p.is_alive())
    p.start()
    print(q.get())
    p.join()
    print(p.exitcode, p.is_alive())
