import threading
names = set()
def tracer(frame, event, arg):
    names.add(threading.current_thread().name)
    return None
threading.settrace(tracer)
t = threading.Thread(target=lambda: None, name="traced")
t.start()
t.join()
threading.settrace(None)
t2 = threading.Thread(target=lambda: None, name="untraced")
t2.start()
t2.join()
print(sorted(names))
