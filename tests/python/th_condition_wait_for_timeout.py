import threading
c = threading.Condition()
with c:
    print(c.wait_for(lambda: False, 0.01))
    print(c.wait_for(lambda: True, 0.01))
