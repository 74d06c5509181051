import threading
inside = []
t = threading.Thread(target=lambda: inside.append(threading.get_ident()))
print(t.ident is None)
t.start()
t.join()
print(t.ident is not None, inside[0] == t.ident, t.ident != threading.get_ident())
