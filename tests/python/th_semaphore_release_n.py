import threading
s = threading.Semaphore(0)
s.release(3)
print([s.acquire(False) for _ in range(4)])
