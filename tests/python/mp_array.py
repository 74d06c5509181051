import multiprocessing as mp
def double(a):
    for i in range(len(a)):
        a[i] = a[i] * 2

if __name__ == "__main__":
    a = mp.Array("i", [1, 2, 3])
    p = mp.Process(target=double, args=(a,))
    p.start()
    p.join()
    print(a[:], len(a))
    try:
        a[5]
    except IndexError as e:
        print(f"{type(e).__name__}: {e}")
