import threading
e = threading.Event()
print(e.wait(0.01))
print(e.wait(timeout=0))
