import threading
c = threading.Condition()
with c:
    print(c.wait(0.01))
