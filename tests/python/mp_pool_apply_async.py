import multiprocessing as mp
def mul(a, b):
    return a * b

if __name__ == "__main__":
    with mp.Pool(1) as pool:
        r = pool.apply_async(mul, (6, 7))
        print(r.get(timeout=60), r.ready(), r.successful())
        print(pool.apply(mul, (2, 5)))
