import threading
l = threading.Lock()
with l:
    print(l.locked())
print(l.locked())
