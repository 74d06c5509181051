import threading
def quiet(args):
    pass
threading.excepthook = quiet
out = []
def bad():
    raise RuntimeError("x")
def good():
    out.append("good ran")
ts = [threading.Thread(target=bad), threading.Thread(target=good)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(out, [t.is_alive() for t in ts])
