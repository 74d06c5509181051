import threading
seen = []
def hook(args):
    seen.append((args.exc_type.__name__, str(args.exc_value), args.thread.name))
threading.excepthook = hook
def boom():
    raise ValueError("boom")
t = threading.Thread(target=boom, name="failing")
t.start()
t.join()
print(seen)
threading.excepthook = threading.__excepthook__
