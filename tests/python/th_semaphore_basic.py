import threading
s = threading.Semaphore(2)
print(s.acquire())
print(s.acquire())
print(s.acquire(False))
s.release()
print(s.acquire(False))
