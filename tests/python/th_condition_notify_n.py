import threading
# notify(n) wakes exactly n waiters: woken waiters report on a second condition that shares
# the lock, so nothing but the main thread's notify(n) wakes a waiter of `c`.
lock = threading.Lock()
c = threading.Condition(lock)
report = threading.Condition(lock)
state = {"waiting": 0, "woken": 0}
def waiter():
    with c:
        state["waiting"] += 1
        report.notify()
        c.wait()
        state["woken"] += 1
        report.notify()
ts = [threading.Thread(target=waiter) for _ in range(5)]
for t in ts:
    t.start()
with c:
    report.wait_for(lambda: state["waiting"] == 5)
    c.notify(2)
    report.wait_for(lambda: state["woken"] >= 2)
    print("woken", state["woken"])
    c.notify(3)
    report.wait_for(lambda: state["woken"] == 5)
    print("woken", state["woken"])
for t in ts:
    t.join()
