import threading
t = threading.Thread()
print(t.name.startswith("Thread-"))
def worker():
    pass
t2 = threading.Thread(target=worker)
print(t2.name.endswith(" (worker)"))
