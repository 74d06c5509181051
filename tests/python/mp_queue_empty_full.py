import multiprocessing as mp
import queue
if __name__ == "__main__":
    q = mp.Queue(1)
    q.put("a")
    try:
        q.put("b", timeout=0.01)
    except queue.Full:
        print("Full")
    print(q.get())
    try:
        q.get(timeout=0.01)
    except queue.Empty:
        print("Empty")
