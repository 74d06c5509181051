import threading
out = []
t = threading.Timer(0.001, lambda a, b: out.append(a * b), args=(6, 7))
t.start()
t.join()
print(out)
