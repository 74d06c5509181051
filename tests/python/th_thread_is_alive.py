import threading
e = threading.Event()
t = threading.Thread(target=e.wait)
print(t.is_alive())
t.start()
print(t.is_alive())
e.set()
t.join()
print(t.is_alive())
