import multiprocessing as mp
def inc(x):
    return x + 1

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(list(pool.imap(inc, range(6))))
        print(sorted(pool.imap_unordered(inc, range(6))))
