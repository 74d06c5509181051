import multiprocessing as mp
def echo(conn):
    while True:
        msg = conn.recv()
        if msg is None:
            break
        conn.send(msg * 2)
    conn.close()

if __name__ == "__main__":
    a, b = mp.Pipe()
    p = mp.Process(target=echo, args=(b,))
    p.start()
    for x in (1, 2, 3):
        a.send(x)
        print(a.recv())
    a.send(None)
    p.join()
    b.close()
    try:
        a.recv()
    except EOFError as e:
        print(f"{type(e).__name__}: {e}")
