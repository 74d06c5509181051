import threading
print(threading.stack_size())
try:
    threading.stack_size(100)
except ValueError as e:
    print(f"{type(e).__name__}: {e}")
print(threading.stack_size(262144))
print(threading.stack_size())
out = []
t = threading.Thread(target=lambda: out.append(sum(range(100))))
t.start()
t.join()
print(out)
print(threading.stack_size(0))
