import threading
r = threading.RLock()
with r:
    with r:
        print("inside twice")
    print("inside once")
def other():
    print(r.acquire(False))
    r.release()
t = threading.Thread(target=other)
t.start()
t.join()
