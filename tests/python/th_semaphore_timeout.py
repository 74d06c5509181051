import threading
s = threading.Semaphore(0)
print(s.acquire(timeout=0.01))
print(s.acquire(True, 0))
