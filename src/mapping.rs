//! The mapping table a Python-to-Rust transpiler reads: for every Python threading API, its
//! Rust path in this crate, a code template, and its support in each execution environment.
//!
//! [`table`] returns the records; they serialize with serde (`cargo run --example
//! mapping_json` prints the JSON). `tests/mapping.rs` checks that every Rust path compiles
//! (through the generated `tests/mapping/paths.rs`) and that every Python name exists in
//! CPython (asking `python3`, and CPython 3.13 for the names that need it).
//!
//! Templates use `{name}` placeholders for the Python program's expressions; `?` stands for
//! the translated function's error propagation into [`PyThreadingError`](crate::py::PyThreadingError).
//!
//! # Examples
//! ```
//! use portalis_threading::mapping::{table, Support};
//! let lock = table().into_iter().find(|r| r.python == "threading.Lock").unwrap();
//! assert_eq!(lock.rust_path, "portalis_threading::py::threading::Lock");
//! assert_eq!(lock.support.native, Support::Full);
//! ```

use serde::{Deserialize, Serialize};

/// How well an API works in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// As in CPython.
    Full,
    /// Works with the limits named in the record's notes.
    Partial,
    /// Not available (the call returns a Python-named error, never hangs).
    Unsupported,
}

/// Support in each of the five execution environments (see ARCHITECTURE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environments {
    /// Native threads (Linux, macOS, Windows).
    pub native: Support,
    /// `wasm32-wasip1-threads` under wasmtime.
    pub wasi: Support,
    /// Browser, cross-origin isolated (shared memory between Web Workers).
    pub browser_shared_memory: Support,
    /// Browser without shared memory (workers exchange messages).
    pub browser_message_passing: Support,
    /// A target without threads.
    pub single_thread: Support,
}

/// What a Python name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A class (a Rust type).
    Class,
    /// A function.
    Function,
    /// A constant.
    Constant,
    /// An exception (a [`PyThreadingError`](crate::py::PyThreadingError) variant).
    Exception,
}

/// One Python API and its translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRecord {
    /// The Python module (`threading`, `queue`, `concurrent.futures`, `multiprocessing`).
    pub module: String,
    /// The qualified Python name (`threading.Lock`).
    pub python: String,
    /// The oldest CPython with this name (`"3.13"` for `queue.ShutDown`), else `"3.8"`.
    pub python_min: String,
    /// What it is.
    pub kind: Kind,
    /// The Rust path in this crate (`use`-able).
    pub rust_path: String,
    /// A Rust code template for the usual Python idiom.
    pub template: String,
    /// Support per environment.
    pub support: Environments,
    /// Limits and differences from CPython.
    pub notes: String,
}

/// How an API depends on threads, which decides its support per environment.
#[derive(Clone, Copy)]
enum Needs {
    /// Pure data, constants, exceptions, per-thread queries: works everywhere.
    Nothing,
    /// A blocking synchronization object: needs shared memory to be shared, and another
    /// thread to end a blocking wait.
    Blocking,
    /// Starts threads.
    Threads,
}

fn support(n: Needs) -> Environments {
    use Support::*;
    match n {
        Needs::Nothing => Environments {
            native: Full,
            wasi: Full,
            browser_shared_memory: Full,
            browser_message_passing: Full,
            single_thread: Full,
        },
        Needs::Blocking => Environments {
            native: Full,
            wasi: Full,
            browser_shared_memory: Partial,
            browser_message_passing: Partial,
            single_thread: Partial,
        },
        Needs::Threads => Environments {
            native: Full,
            wasi: Full,
            browser_shared_memory: Unsupported,
            browser_message_passing: Unsupported,
            single_thread: Unsupported,
        },
    }
}

const BLOCKING_NOTE: &str = "browser shared memory: works between Web Workers, busy-waits on the page's main thread; browser message passing: usable inside one worker only (no shared memory); single thread: non-blocking and timed calls work, an untimed wait nobody can end panics (WouldDeadlock) instead of hanging";
const THREADS_NOTE: &str = "starting a thread needs std threads: in the browser (Web Workers are started by the pool's web backend, not by std) and without threads, start() returns RuntimeError(\"can't start new thread\")";

/// `(module, name, python_min, kind, rust path after "portalis_threading::", needs, template, notes)`.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    Kind,
    &'static str,
    Needs,
    &'static str,
    &'static str,
);

const ROWS: &[Row] = &[
    // ---- threading
    ("threading", "Thread", "3.8", Kind::Class, "py::threading::Thread", Needs::Threads,
     "let {t} = Thread::new(move || {target}({args})).with_name({name}).with_daemon({daemon});\n{t}.start()?;\n{t}.join(None)?;",
     "target returns () or Result<(), E>; an Err or panic goes to excepthook; args/kwargs are captured by the closure"),
    ("threading", "Lock", "3.8", Kind::Class, "py::threading::Lock", Needs::Blocking,
     "let {l} = Lock::new();\n{l}.acquire();\n{l}.release()?;\n{ let _with = {l}.guard(); {body} }",
     "acquire(blocking, timeout) is acquire_with(blocking, timeout) with -1.0 = no limit; releasable from any thread"),
    ("threading", "RLock", "3.8", Kind::Class, "py::threading::RLock", Needs::Blocking,
     "let {r} = RLock::new();\n{ let _with = {r}.guard(); {body} }",
     "owner-checked; release by a non-owner is RuntimeError"),
    ("threading", "Condition", "3.8", Kind::Class, "py::threading::Condition", Needs::Blocking,
     "let {c} = Condition::new(); // Condition(lock): Condition::with_lock(lock) / with_rlock(rlock)\n{ let _with = {c}.guard(); {c}.wait_for(|| {predicate}, {timeout})?; {c}.notify({n})?; }",
     "never wakes spuriously; FIFO wake-up order"),
    ("threading", "Semaphore", "3.8", Kind::Class, "py::threading::Semaphore", Needs::Blocking,
     "let {s} = Semaphore::new({value})?;\n{ let _with = {s}.guard(); {body} }\n{s}.release({n})?;",
     "values above 2^22-1 are a ValueError here (CPython has no bound)"),
    ("threading", "BoundedSemaphore", "3.8", Kind::Class, "py::threading::BoundedSemaphore", Needs::Blocking,
     "let {s} = BoundedSemaphore::new({value})?;\n{s}.acquire();\n{s}.release(1)?; // ValueError when released too many times",
     ""),
    ("threading", "Event", "3.8", Kind::Class, "py::threading::Event", Needs::Blocking,
     "let {e} = Event::new();\n{e}.set();\n{e}.wait({timeout}); // -> bool",
     ""),
    ("threading", "Timer", "3.8", Kind::Class, "py::threading::Timer", Needs::Threads,
     "let {t} = Timer::new({interval}, move || {function}({args}));\n{t}.start()?;\n{t}.cancel();",
     "join(timeout) waits for the end whatever the timeout"),
    ("threading", "Barrier", "3.8", Kind::Class, "py::threading::Barrier", Needs::Blocking,
     "let {b} = Barrier::with_action({parties}, Some(Box::new(move || {action}())), {timeout})?;\nlet i = {b}.wait(None)?; // BrokenBarrierError on abort/reset/timeout",
     "Barrier(0) is a ValueError (CPython 3.13 behaviour); the action cannot raise"),
    ("threading", "local", "3.8", Kind::Class, "py::threading::Local", Needs::Nothing,
     "let {data} = Arc::new(Local::new(|| RefCell::new({Attrs}::default())));\n{data}.get().borrow_mut().{attr} = {value};",
     "attributes become the fields of one per-thread value"),
    ("threading", "current_thread", "3.8", Kind::Function, "py::threading::current_thread", Needs::Nothing,
     "threading::current_thread().name()", "foreign threads are MainThread, pool workers keep their pool name, others Dummy-<n>"),
    ("threading", "main_thread", "3.8", Kind::Function, "py::threading::main_thread", Needs::Nothing,
     "threading::main_thread()", "the thread Rust names `main`"),
    ("threading", "active_count", "3.8", Kind::Function, "py::threading::active_count", Needs::Nothing,
     "threading::active_count()", "counts threads started through py::threading (and the caller), not pool workers"),
    ("threading", "enumerate", "3.8", Kind::Function, "py::threading::enumerate", Needs::Nothing,
     "threading::enumerate()", "as active_count"),
    ("threading", "get_ident", "3.8", Kind::Function, "py::threading::get_ident", Needs::Nothing,
     "threading::get_ident()", ""),
    ("threading", "get_native_id", "3.8", Kind::Function, "py::threading::get_native_id", Needs::Nothing,
     "threading::get_native_id()", "gettid on Linux"),
    ("threading", "settrace", "3.8", Kind::Function, "py::threading::settrace", Needs::Nothing,
     "threading::settrace(|t| {hook}(t)); // settrace(None): threading::clear_trace()",
     "Rust has no line tracing: the hook runs once at the start of each new Thread"),
    ("threading", "setprofile", "3.8", Kind::Function, "py::threading::setprofile", Needs::Nothing,
     "threading::setprofile(|t| {hook}(t)); // setprofile(None): threading::clear_profile()",
     "as settrace"),
    ("threading", "stack_size", "3.8", Kind::Function, "py::threading::stack_size", Needs::Nothing,
     "threading::stack_size(Some({size}))?", "stack_size() (None) resets to 0, as in CPython"),
    ("threading", "excepthook", "3.8", Kind::Function, "py::threading::set_excepthook", Needs::Nothing,
     "threading::set_excepthook(|args| {hook}(args)); // threading.excepthook = hook",
     "the default (threading::default_excepthook) prints the exception without a traceback"),
    ("threading", "ExceptHookArgs", "3.8", Kind::Class, "py::threading::ExceptHookArgs", Needs::Nothing,
     "args.exc_type(); args.exc; args.thread", ""),
    ("threading", "TIMEOUT_MAX", "3.8", Kind::Constant, "py::threading::TIMEOUT_MAX", Needs::Nothing,
     "threading::TIMEOUT_MAX", ""),
    ("threading", "BrokenBarrierError", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing,
     "Err(PyThreadingError::BrokenBarrierError)", "e.is_runtime_error() for `except RuntimeError`"),
    // ---- queue
    ("queue", "Queue", "3.8", Kind::Class, "py::queue::Queue", Needs::Blocking,
     "let {q}: Queue<{T}> = Queue::new({maxsize});\n{q}.put({item}, true, None)?;\nlet x = {q}.get(true, {timeout})?;\n{q}.task_done()?;\n{q}.join();",
     ""),
    ("queue", "LifoQueue", "3.8", Kind::Class, "py::queue::LifoQueue", Needs::Blocking,
     "let {q}: LifoQueue<{T}> = LifoQueue::new({maxsize});", ""),
    ("queue", "PriorityQueue", "3.8", Kind::Class, "py::queue::PriorityQueue", Needs::Blocking,
     "let {q}: PriorityQueue<({P}, {T})> = PriorityQueue::new({maxsize});",
     "items must be Ord (tuples of Ord are)"),
    ("queue", "SimpleQueue", "3.8", Kind::Class, "py::queue::SimpleQueue", Needs::Blocking,
     "let {q} = SimpleQueue::new();\n{q}.put({item});\nlet x = {q}.get(true, None)?;", ""),
    ("queue", "Empty", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing,
     "Err(PyThreadingError::Empty)", ""),
    ("queue", "Full", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing,
     "Err(PyThreadingError::Full)", ""),
    ("queue", "ShutDown", "3.13", Kind::Exception, "py::PyThreadingError", Needs::Nothing,
     "Err(PyThreadingError::ShutDown) // after {q}.shutdown({immediate})", ""),
    // ---- concurrent.futures
    ("concurrent.futures", "ThreadPoolExecutor", "3.8", Kind::Class, "py::concurrent::futures::ThreadPoolExecutor", Needs::Threads,
     "let {ex} = ThreadPoolExecutor::with_options({max_workers}, {prefix}, None)?;\nlet f = {ex}.submit(move || Ok({call}))?;\nfor r in {ex}.map(|x| Ok({body}), {items}, {timeout})? { let v = r?; }\n{ex}.shutdown(true, false);",
     "threads start when the executor is built; dropping the last handle is shutdown(wait=True) (the end of a with block)"),
    ("concurrent.futures", "Future", "3.8", Kind::Class, "py::concurrent::futures::Future", Needs::Blocking,
     "let v = {f}.result({timeout})?;\n{f}.cancel();\n{f}.add_done_callback(move |f| {callback}(f));", ""),
    ("concurrent.futures", "wait", "3.8", Kind::Function, "py::concurrent::futures::wait", Needs::Blocking,
     "let r = futures::wait(&{fs}, {timeout}, futures::FIRST_COMPLETED); // r.done, r.not_done", ""),
    ("concurrent.futures", "as_completed", "3.8", Kind::Function, "py::concurrent::futures::as_completed", Needs::Blocking,
     "for f in futures::as_completed(&{fs}, {timeout}) { let f = f?; }", "a timeout yields TimeoutError(\"N (of M) futures unfinished\")"),
    ("concurrent.futures", "FIRST_COMPLETED", "3.8", Kind::Constant, "py::concurrent::futures::FIRST_COMPLETED", Needs::Nothing, "futures::FIRST_COMPLETED", ""),
    ("concurrent.futures", "FIRST_EXCEPTION", "3.8", Kind::Constant, "py::concurrent::futures::FIRST_EXCEPTION", Needs::Nothing, "futures::FIRST_EXCEPTION", ""),
    ("concurrent.futures", "ALL_COMPLETED", "3.8", Kind::Constant, "py::concurrent::futures::ALL_COMPLETED", Needs::Nothing, "futures::ALL_COMPLETED", ""),
    ("concurrent.futures", "TimeoutError", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing, "Err(PyThreadingError::TimeoutError(msg))", ""),
    ("concurrent.futures", "CancelledError", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing, "Err(PyThreadingError::CancelledError)", ""),
    ("concurrent.futures", "InvalidStateError", "3.8", Kind::Exception, "py::PyThreadingError", Needs::Nothing, "Err(PyThreadingError::InvalidStateError(msg))", "the message names the state but not CPython's object address"),
    // ---- multiprocessing (on threads)
    ("multiprocessing", "Process", "3.8", Kind::Class, "py::multiprocessing::Process", Needs::Threads,
     "let {p} = Process::new(move || {target}({args}));\n{p}.start()?;\n{p}.join(None)?;",
     "a thread: shared memory, terminate() is RuntimeError, pid is the OS thread id"),
    ("multiprocessing", "Pool", "3.8", Kind::Class, "py::multiprocessing::Pool", Needs::Threads,
     "let {pool} = Pool::new({processes})?;\nlet out = {pool}.map(|x| Ok({body}), {items})?;\n{pool}.close();\n{pool}.join()?;",
     "worker threads; chunksize ignored; terminate() cancels queued tasks only"),
    ("multiprocessing", "Queue", "3.8", Kind::Class, "py::multiprocessing::Queue", Needs::Blocking,
     "let {q}: mp::Queue<{T}> = mp::Queue::new({maxsize});", "in memory, nothing pickled"),
    ("multiprocessing", "Pipe", "3.8", Kind::Function, "py::multiprocessing::Pipe", Needs::Blocking,
     "let (a, b) = mp::Pipe::<{T}>({duplex});\na.send({obj})?;\nlet x = b.recv()?;", "EOFError after the other end closed"),
    ("multiprocessing", "Lock", "3.8", Kind::Class, "py::multiprocessing::Lock", Needs::Blocking,
     "let {l} = mp::Lock::new();", "release unlocked: ValueError, as multiprocessing says"),
    ("multiprocessing", "RLock", "3.8", Kind::Class, "py::multiprocessing::RLock", Needs::Blocking,
     "let {l} = mp::RLock::new();", "release unowned: AssertionError"),
    ("multiprocessing", "Semaphore", "3.8", Kind::Class, "py::multiprocessing::Semaphore", Needs::Blocking,
     "let {s} = mp::Semaphore::new({value})?;", ""),
    ("multiprocessing", "Event", "3.8", Kind::Class, "py::multiprocessing::Event", Needs::Blocking,
     "let {e} = mp::Event::new();", "threading.Event"),
    ("multiprocessing", "Condition", "3.8", Kind::Class, "py::multiprocessing::Condition", Needs::Blocking,
     "let {c} = mp::Condition::new();", "threading.Condition"),
    ("multiprocessing", "Barrier", "3.8", Kind::Class, "py::multiprocessing::Barrier", Needs::Blocking,
     "let {b} = mp::Barrier::new({parties})?;", "threading.Barrier"),
    ("multiprocessing", "Value", "3.8", Kind::Class, "py::multiprocessing::Value", Needs::Blocking,
     "let {v} = mp::Value::new({init});\n{ let _with = {v}.get_lock().guard(); {v}.set_value({v}.value() + 1); }",
     "Copy types; the typecode becomes the Rust type"),
    ("multiprocessing", "Array", "3.8", Kind::Class, "py::multiprocessing::Array", Needs::Blocking,
     "let {a} = mp::Array::new({init});\n{a}.set({i}, {x})?;\nlet y = {a}.get({i})?;",
     "Copy types"),
];

/// Every record of the table.
pub fn table() -> Vec<ApiRecord> {
    ROWS.iter()
        .map(|&(module, name, min, kind, path, needs, template, notes)| {
            let extra = match needs {
                Needs::Nothing => "",
                Needs::Blocking => BLOCKING_NOTE,
                Needs::Threads => THREADS_NOTE,
            };
            let notes = match (notes.is_empty(), extra.is_empty()) {
                (true, _) => extra.to_string(),
                (false, true) => notes.to_string(),
                (false, false) => format!("{notes}; {extra}"),
            };
            ApiRecord {
                module: module.into(),
                python: format!("{module}.{name}"),
                python_min: min.into(),
                kind,
                rust_path: format!("portalis_threading::{path}"),
                template: template.into(),
                support: support(needs),
                notes,
            }
        })
        .collect()
}

/// The text of `tests/mapping/paths.rs`: one `use` per distinct Rust path, so that file
/// compiles only if every path in the table exists (`tests/mapping.rs` checks it is current).
pub fn paths_check_source() -> String {
    let mut paths: Vec<String> = table().into_iter().map(|r| r.rust_path).collect();
    paths.sort();
    paths.dedup();
    let mut s = String::from(
        "//! Generated from `portalis_threading::mapping::paths_check_source()`: compiles only if\n//! every Rust path of the mapping table exists. Regenerate with\n//! `cargo run --example mapping_json -- --paths > tests/mapping/paths.rs`.\n#![allow(unused_imports)]\n",
    );
    for (i, p) in paths.iter().enumerate() {
        // One group per line (blank-line separated), so rustfmt keeps the generated order.
        s.push_str(&format!("\nuse {p} as _Item{i};\n"));
    }
    s
}
