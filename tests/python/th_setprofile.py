import threading
names = set()
def prof(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "target":
        names.add(threading.current_thread().name)
def target():
    pass
threading.setprofile(prof)
t = threading.Thread(target=target, name="profiled")
t.start()
t.join()
threading.setprofile(None)
print(sorted(names))
