import threading
fired = []
t = threading.Timer(60, lambda: fired.append(1))
try:
    t.join()
except RuntimeError as e:
    print("RuntimeError:", e)
t.start()
t.join(0.01)
print(t.is_alive())
t.cancel()
t.join()
print(t.is_alive(), fired)
u = threading.Timer(-1, lambda: fired.append(2))
u.start()
u.join()
print(u.is_alive(), fired)
