import threading
s = threading.Semaphore(3)
guard = threading.Lock()
state = {"now": 0, "max": 0, "total": 0}
def work():
    with s:
        with guard:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            state["total"] += 1
        with guard:
            state["now"] -= 1
ts = [threading.Thread(target=work) for _ in range(10)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(state["max"] <= 3, state["total"], state["now"])
