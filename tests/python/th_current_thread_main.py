import threading
print(threading.current_thread().name)
print(threading.main_thread() is threading.current_thread())
res = []
def check():
    res.append(threading.main_thread() is threading.current_thread())
    res.append(threading.main_thread().name)
t = threading.Thread(target=check)
t.start()
t.join()
print(res)
