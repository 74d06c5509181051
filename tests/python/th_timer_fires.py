import threading
fired = threading.Event()
t = threading.Timer(0.01, fired.set)
t.start()
t.join()
print(fired.is_set())
