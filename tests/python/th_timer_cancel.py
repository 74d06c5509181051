import threading
fired = []
t = threading.Timer(60, lambda: fired.append(1))
t.start()
t.cancel()
t.join()
print(fired)
