import multiprocessing as mp
import os, sys
def bad():
    sys.stderr = open(os.devnull, "w")
    raise ValueError("child failed")

if __name__ == "__main__":
    p = mp.Process(target=bad)
    p.start()
    p.join()
    print(p.exitcode)
