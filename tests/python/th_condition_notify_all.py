import threading
c = threading.Condition()
state = {"ready": False, "waiting": 0, "done": 0}
def waiter():
    with c:
        state["waiting"] += 1
        c.notify_all()
        c.wait_for(lambda: state["ready"])
        state["done"] += 1
ts = [threading.Thread(target=waiter) for _ in range(4)]
for t in ts:
    t.start()
with c:
    c.wait_for(lambda: state["waiting"] == 4)
    state["ready"] = True
    c.notify_all()
for t in ts:
    t.join()
print(state["done"])
