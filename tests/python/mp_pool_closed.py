import multiprocessing as mp
def ident(x):
    return x

if __name__ == "__main__":
    pool = mp.Pool(2)
    try:
        pool.join()
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
    pool.close()
    try:
        pool.map(ident, [1])
    except ValueError as e:
        print(f"{type(e).__name__}: {e}")
    pool.join()
    print("joined")
