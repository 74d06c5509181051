import threading
b = threading.Barrier(3)
out = []
def party():
    try:
        b.wait()
    except threading.BrokenBarrierError:
        out.append("broken")
t = threading.Thread(target=party)
t.start()
while b.n_waiting < 1:
    pass
b.abort()
t.join()
print(out, b.broken)
