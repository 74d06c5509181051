import multiprocessing as mp
if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.starmap(pow, [(2, 3), (3, 2), (10, 0)]))
