import multiprocessing as mp
if __name__ == "__main__":
    a, b = mp.Pipe()
    print(a.poll(0))
    b.send("x")
    print(a.poll(0), a.poll(0), a.recv())
    r, w = mp.Pipe(duplex=False)
    w.send(5)
    print(r.recv())
