import threading
inside = []
t = threading.Thread(target=lambda: inside.append(threading.get_native_id()))
print(t.native_id is None)
t.start()
t.join()
print(inside[0] == t.native_id, t.native_id != threading.get_native_id())
