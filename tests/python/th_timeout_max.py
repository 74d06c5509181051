import threading
print(threading.TIMEOUT_MAX)
