import threading
b = threading.Barrier(2)
b.abort()
b.reset()
print(b.broken)
def party():
    b.wait()
t = threading.Thread(target=party)
t.start()
b.wait()
t.join()
print("passed", b.broken)
