//! Rows P1–P3: CPython against our `py::` surface on the same workload, interleaved
//! (rounds of one CPython sample and one of ours; the ratio is per round). CPython runs the workload inside
//! one interpreter per sample and reports its own `perf_counter` time, so interpreter start-up
//! is not counted. The CPython version is in the peer's name. Sizes are smaller than
//! docs/perf-goals.md's (10^5 / 10^6 / 4×10^5) to keep `make perf` short; the unit is per op.

use crate::row::{interleaved, Config, Goal, Measured, Row};
use portalis_threading::py::concurrent::futures::ThreadPoolExecutor;
use portalis_threading::py::queue::Queue;
use portalis_threading::py::threading::{Lock, Thread};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

const P1_PY: &str = "
import sys, time, concurrent.futures as cf
n = int(sys.argv[1])
with cf.ThreadPoolExecutor() as ex:
    t = time.perf_counter()
    list(ex.map(lambda x: x * 2, range(n)))
    print(time.perf_counter() - t)
";

const P2_PY: &str = "
import sys, time, queue, threading
n = int(sys.argv[1])
q = queue.Queue()
def produce():
    for i in range(n):
        q.put(i)
t = time.perf_counter()
p = threading.Thread(target=produce)
p.start()
for _ in range(n):
    q.get()
p.join()
print(time.perf_counter() - t)
";

const P3_PY: &str = "
import sys, time, threading
n = int(sys.argv[1])
lock = threading.Lock()
count = [0]
def work():
    for _ in range(n):
        with lock:
            count[0] += 1
ts = [threading.Thread(target=work) for _ in range(4)]
t = time.perf_counter()
for th in ts:
    th.start()
for th in ts:
    th.join()
assert count[0] == 4 * n
print(time.perf_counter() - t)
";

fn python_version() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// One CPython sample: seconds reported by the program.
fn python_sample(program: &str, n: usize) -> Option<Duration> {
    let out = Command::new("python3")
        .args(["-c", program, &n.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "perf P rows: python3 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let s: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some(Duration::from_secs_f64(s))
}

fn p1_ours(n: usize) -> Duration {
    let ex = ThreadPoolExecutor::new(None).unwrap();
    let t = Instant::now();
    let v: Vec<usize> = ex
        .map(|x: usize| Ok(x * 2), 0..n, None)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let d = t.elapsed();
    assert_eq!(v.len(), n);
    ex.shutdown(true, false);
    d
}

fn p2_ours(n: usize) -> Duration {
    let q: Queue<usize> = Queue::new(0);
    let t = Instant::now();
    let q2 = q.clone();
    let p = Thread::new(move || {
        for i in 0..n {
            q2.put(i, true, None).unwrap();
        }
    });
    p.start().unwrap();
    for _ in 0..n {
        q.get(true, None).unwrap();
    }
    p.join(None).unwrap();
    t.elapsed()
}

fn p3_ours(n: usize) -> Duration {
    let lock = Lock::new();
    // A plain load + store under the lock, as `count[0] += 1` is in CPython.
    let count = Arc::new(AtomicU64::new(0));
    let ts: Vec<Thread> = (0..4)
        .map(|_| {
            let (lock, count) = (lock.clone(), count.clone());
            Thread::new(move || {
                for _ in 0..n {
                    let _with = lock.guard();
                    // Relaxed: the lock orders these accesses.
                    count.store(count.load(Relaxed) + 1, Relaxed);
                }
            })
        })
        .collect();
    let t = Instant::now();
    for th in &ts {
        th.start().unwrap();
    }
    for th in &ts {
        th.join(None).unwrap();
    }
    let d = t.elapsed();
    assert_eq!(count.load(Relaxed), 4 * n as u64);
    d
}

/// Interleaved rounds (a CPython sample, then ours), ns per op; `None` if CPython fails.
fn measure(
    cfg: &Config,
    peer: &str,
    py: &str,
    n: usize,
    ops: usize,
    ours: fn(usize) -> Duration,
) -> Option<Measured> {
    python_sample(py, n)?; // probe: CPython can run it
    Some(interleaved(
        cfg,
        &mut [
            ("ours", &mut || ours(n)),
            (peer, &mut || {
                // A failure after the probe is reported as an infinite time (no ratio).
                python_sample(py, n).unwrap_or(Duration::MAX)
            }),
        ],
        ops,
    ))
}

/// (id, workload, CPython program, n, operations timed, our workload).
type Spec = (
    &'static str,
    String,
    &'static str,
    usize,
    usize,
    fn(usize) -> Duration,
);

pub fn rows(cfg: &Config) -> Vec<Row> {
    let goal = Goal::MaxRatio(0.05);
    let goal_text = "<= 0.05 of CPython (>= 20x)";
    let Some(version) = python_version() else {
        return ["P1", "P2", "P3"]
            .iter()
            .map(|id| {
                Row::not_implemented(
                    id,
                    "python3 not found: cannot measure CPython",
                    goal,
                    goal_text,
                )
            })
            .collect();
    };
    let peer = format!("CPython {version}");
    let mut rows = Vec::new();
    let n1 = cfg.n(20_000);
    let n2 = cfg.n(200_000);
    let n3 = cfg.n(25_000);
    let specs: [Spec; 3] = [
        (
            "P1",
            format!("ThreadPoolExecutor.map, {n1} tiny tasks, default workers (ns/task)"),
            P1_PY,
            n1,
            n1,
            p1_ours,
        ),
        (
            "P2",
            format!("queue.Queue 1 producer 1 consumer, {n2} items (ns/item)"),
            P2_PY,
            n2,
            n2,
            p2_ours,
        ),
        (
            "P3",
            format!("threading.Lock counter, 4 threads x {n3} (ns/increment)"),
            P3_PY,
            n3,
            4 * n3,
            p3_ours,
        ),
    ];
    for (id, workload, py, n, ops, ours) in specs {
        match measure(cfg, &peer, py, n, ops, ours) {
            Some(m) => rows.push(Row::from_rounds(id, &workload, &m, goal, goal_text)),
            None => rows.push(Row::not_implemented(
                id,
                "CPython run failed (see stderr)",
                goal,
                goal_text,
            )),
        }
    }
    rows
}
