import multiprocessing as mp
def ident(x):
    return x

if __name__ == "__main__":
    pool = mp.Pool(2)
    print(pool.map(ident, [1, 2]))
    pool.terminate()
    pool.join()
    try:
        pool.apply_async(ident, (1,))
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
