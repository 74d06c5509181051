import multiprocessing as mp
def inv(x):
    return 10 // x

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        try:
            pool.map(inv, [1, 0, 2])
        except ZeroDivisionError as e:
            print(f"{type(e).__name__}: {e}")
