import threading
t = threading.Thread(target=lambda: None, name="worker")
print(t.name)
t.name = "renamed"
print(t.name)
seen = []
t2 = threading.Thread(target=lambda: seen.append(threading.current_thread().name), name="inside")
t2.start()
t2.join()
print(seen)
