import threading
t = threading.Thread(target=lambda: None)
print(t.daemon)
t.daemon = True
print(t.daemon)
t2 = threading.Thread(target=lambda: None, daemon=True)
print(t2.daemon)
t.start()
t.join()
try:
    t.daemon = False
except RuntimeError as e:
    print(f"{type(e).__name__}: {e}")
