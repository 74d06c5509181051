import threading
l = threading.Lock()
print(l.locked())
print(l.acquire())
print(l.locked())
l.release()
print(l.locked())
