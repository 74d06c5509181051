//! [`Select`] and the engine behind [`select!`](crate::select): wait on several channel
//! operations of any flavour, complete exactly one.
//!
//! # Algorithm (docs/notes/channels.md §3.6, Go's `selectgo`)
//! 1. Poll: try to *reserve* each case (a buffered message or slot, a claimed rendezvous
//!    partner, a fired timer, or "disconnected"), in a fresh uniformly random order each pass
//!    (so the winner is uniform among the ready cases), for a short spin budget. The first
//!    reservation wins.
//! 2. Register: one [`Context`](super::waiter) for the whole select; one entry per case, in a
//!    random order, on its channel's queue (a receive case on a rendezvous channel carries a boxed packet a
//!    sender can fill; every other case is an observer). A case found ready while registering
//!    stops registration and aborts the context.
//! 3. Wait (spin → yield → futex) until a channel claims the context for case *i*, a timer
//!    case's deadline or the select's deadline passes.
//! 4. Unregister every entry, then resolve case *i* first (its packet, else a reservation);
//!    if that fails (a competitor took the message), poll all cases again and loop to 2.
//!
//! A non-blocking select (`try_select`, `try_ready`, `select!` with `default`) runs
//! [`try_run`] instead of steps 2–4: passes until a double collect of the cases' change stamps
//! proves an instant at which none was ready (ADR 053).
//!
//! Reservations are held by the returned [`SelectedOperation`]; completing it (`recv`/`send`)
//! consumes the reservation, dropping it gives the reservation back.

use super::error::*;
use super::handles::{Receiver, Sender};
use super::handoff::{SelectHandle, Token, Version};
use super::waiter::{Context, Woken};
use crate::deadline::instant_now;
use crate::sync::atomic::{fence, Ordering::SeqCst};
use crate::time::Instant;
use core::fmt;
use core::marker::PhantomData;
use std::time::Duration;

/// Poll rounds before registering (step 1); heuristic, keeps a ready partner on a 2-vCPU
/// machine from forcing a registration (see ADR 024).
const POLL_ROUNDS: u32 = if crate::sync::MODEL { 1 } else { 8 };

#[derive(Clone, Copy)]
struct Case<'a> {
    handle: &'a dyn SelectHandle,
}

/// A select's cases: up to [`INLINE_CASES`] kept in the `Select` itself, more on the heap. A
/// select built per call (`Select::new`, a few `recv`s, `select`) then allocates nothing for its
/// cases: with a `Vec` that allocation and its free were ≈ 230 of ≈ 1,020 instructions of a
/// 4-case select (ADR 105). No `unsafe`: the inline array is filled with copies of the first
/// case, so every element is a valid `Case`; only the first `len` are the select's.
#[derive(Clone)]
enum Cases<'a> {
    /// No case yet.
    Empty,
    /// The first `.1` elements are the cases.
    Inline([Case<'a>; INLINE_CASES], usize),
    /// More than [`INLINE_CASES`] cases.
    Heap(Vec<Case<'a>>),
}

impl<'a> Cases<'a> {
    #[inline]
    fn push(&mut self, c: Case<'a>) {
        match self {
            Cases::Empty => *self = Cases::Inline([c; INLINE_CASES], 1),
            Cases::Inline(a, n) if *n < INLINE_CASES => {
                a[*n] = c;
                *n += 1;
            }
            Cases::Inline(a, _) => {
                let mut v = Vec::with_capacity(2 * INLINE_CASES);
                v.extend_from_slice(a);
                v.push(c);
                *self = Cases::Heap(v);
            }
            Cases::Heap(v) => v.push(c),
        }
    }

    #[inline]
    fn as_slice(&self) -> &[Case<'a>] {
        match self {
            Cases::Empty => &[],
            Cases::Inline(a, n) => &a[..*n],
            Cases::Heap(v) => v,
        }
    }
}

impl<'a> core::ops::Deref for Cases<'a> {
    type Target = [Case<'a>];
    #[inline]
    fn deref(&self) -> &[Case<'a>] {
        self.as_slice()
    }
}

/// Dynamic selection over a set of channel operations, as crossbeam-channel's `Select`.
///
/// # Examples
/// ```
/// use portalis_primitives::channel::{unbounded, Select};
///
/// let (s1, r1) = unbounded::<i32>();
/// let (s2, r2) = unbounded::<&str>();
/// let t = std::thread::spawn(move || s2.send("hi").unwrap());
/// let mut sel = Select::new();
/// let i1 = sel.recv(&r1);
/// let i2 = sel.recv(&r2);
/// let oper = sel.select();
/// match oper.index() {
///     i if i == i1 => println!("{:?}", oper.recv(&r1)),
///     i if i == i2 => assert_eq!(oper.recv(&r2), Ok("hi")),
///     _ => unreachable!(),
/// }
/// t.join().unwrap();
/// drop(s1);
/// ```
///
/// # Sharing a select between threads
/// `Select<'a>` (handles of any message type) is neither `Send` nor `Sync`. A select made with
/// [`Select::new_sendable`] accepts only handles whose message type is `Send` (the handles are
/// then `Send + Sync`) and is itself `Send + Sync`, so it can be built on one thread and run on
/// another:
/// ```
/// use portalis_primitives::channel::{unbounded, Select};
///
/// let (s, r) = unbounded::<u32>();
/// s.send(7).unwrap();
/// let r = &r;
/// std::thread::scope(|scope| {
///     let mut sel = Select::new_sendable();
///     let i = sel.recv(r);
///     scope.spawn(move || {
///         let op = sel.select();
///         assert_eq!(op.index(), i);
///         assert_eq!(op.recv(r), Ok(7));
///     });
/// });
/// ```
/// A handle of a non-`Send` message type is refused:
/// ```compile_fail
/// use portalis_primitives::channel::{unbounded, Select};
///
/// let (_s, r) = unbounded::<std::rc::Rc<u32>>();
/// let mut sel = Select::new_sendable();
/// sel.recv(&r); // error: `Rc<u32>` cannot be sent between threads safely
/// ```
/// and a select made with [`Select::new`] stays on its thread:
/// ```compile_fail
/// use portalis_primitives::channel::{unbounded, Select};
///
/// fn needs_send<X: Send>(_: X) {}
/// let (_s, r) = unbounded::<u32>();
/// let mut sel = Select::new();
/// sel.recv(&r);
/// needs_send(sel); // error: `dyn SelectHandle` cannot be shared between threads safely
/// ```
#[derive(Clone)]
pub struct Select<'a, H = LocalHandles> {
    cases: Cases<'a>,
    /// `new_biased`: poll and register in the order added (no shuffle).
    biased: bool,
    /// Which handles the select accepts ([`LocalHandles`] or [`SendHandles`]).
    handles: PhantomData<H>,
}

/// The handles marker of a [`Select`] that accepts handles of any message type; such a select
/// stays on the thread that made it (neither `Send` nor `Sync`).
#[derive(Debug, Clone, Copy)]
pub enum LocalHandles {}

/// The handles marker of a [`Select`] made with [`Select::new_sendable`]: it accepts only
/// handles of `Send` message types, and is `Send + Sync`.
#[derive(Debug, Clone, Copy)]
pub enum SendHandles {}

// SAFETY: a `Select<'_, SendHandles>` holds only references added by its `send`/`recv`, which
// require `T: Send`, so each refers to a `Sender<T>`/`Receiver<T>` that is `Sync` (handles.rs),
// and a shared reference to a `Sync` value is `Send`; the rest (an array or `Vec` of them, a `bool`) is
// plain data. Moving the select moves only those references: the messages a selection reserves
// or takes (`SelectedOperation`, `lockfree.rs` R4) are of a `Send` type.
unsafe impl Send for Select<'_, SendHandles> {}
// SAFETY: every method that touches the cases takes `&mut self`; through `&Select` only
// `Debug` reads the length. The references inside are to `Sync` handles (above).
unsafe impl Sync for Select<'_, SendHandles> {}

impl<H> fmt::Debug for Select<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .finish()
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Self::new()
    }
}

// loom's `thread_local!` has no `const { }` form; the shim keeps one spelling for all builds.
#[allow(clippy::missing_const_for_thread_local)]
mod rng {
    crate::sync::thread_local! {
        pub(super) static RNG: core::cell::Cell<u32> = core::cell::Cell::new(0);
    }
}
use rng::RNG;

/// One step of the 32-bit xorshift generator (`x != 0` stays non-zero).
#[inline(always)]
fn xorshift(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

/// Runs `f` with the per-thread generator's state (seeded on first use) and stores the state
/// it returns: one thread-local access per shuffle, not one per draw (ADR 105).
#[inline]
fn with_random<R>(f: impl FnOnce(u32) -> (u32, R)) -> R {
    RNG.with(|c| {
        let mut x = c.get();
        if x == 0 {
            x = (c as *const _ as usize as u32) | 1;
        }
        let (x, r) = f(x);
        c.set(x);
        r
    })
}

/// A draw in `0..n` from a random `x`: the high 32 bits of `x · n` (multiply-shift), which is
/// within `n / 2^32` of uniform, as `x % n` is, without the 64-bit division (ADR 105; the
/// same reduction as crossbeam-channel's `utils::shuffle`).
#[inline(always)]
fn below(x: u32, n: usize) -> usize {
    ((u64::from(x) * n as u64) >> 32) as usize
}

/// Cases kept inline by [`Order`] (a select with more allocates).
const INLINE_CASES: usize = 8;

/// The case indices `0..n` in a uniformly random order, so the first ready case met is a
/// uniform choice among the ready ones (issue 16 item 1) and registration does not favour low
/// indices (item 2). The identity order under the models (determinism).
struct Order {
    idx: OrderBuf,
    /// Keep the identity order (`Select::new_biased`).
    biased: bool,
}

enum OrderBuf {
    Inline([usize; INLINE_CASES], usize),
    Heap(Vec<usize>),
}

impl Order {
    fn new(n: usize, biased: bool) -> Order {
        let idx = if n <= INLINE_CASES {
            let mut a = [0; INLINE_CASES];
            for (i, x) in a.iter_mut().enumerate() {
                *x = i;
            }
            OrderBuf::Inline(a, n)
        } else {
            OrderBuf::Heap((0..n).collect())
        };
        Order { idx, biased }
    }

    /// A fresh random permutation (Fisher–Yates); the identity when biased.
    fn shuffle(&mut self) -> &[usize] {
        let v = match &mut self.idx {
            OrderBuf::Inline(a, n) => &mut a[..*n],
            OrderBuf::Heap(v) => &mut v[..],
        };
        if !crate::sync::MODEL && !self.biased && v.len() > 1 {
            with_random(|mut x| {
                for i in (1..v.len()).rev() {
                    x = xorshift(x);
                    v.swap(i, below(x, i + 1));
                }
                (x, ())
            });
        }
        v
    }
}

/// What the engine was asked for.
#[derive(Clone, Copy)]
enum Mode {
    /// Never block: [`try_run`].
    Try,
    /// Block until `deadline` (`None`: forever).
    Block(Option<Instant>),
}

/// The change stamps of a select's cases, read before a pass ([`try_run`]); inline up to
/// [`INLINE_CASES`].
enum Stamps {
    Inline([Version; INLINE_CASES]),
    Heap(Vec<Version>),
}

impl Stamps {
    fn new(n: usize) -> Stamps {
        if n <= INLINE_CASES {
            Stamps::Inline([[0; 3]; INLINE_CASES])
        } else {
            Stamps::Heap(vec![[0; 3]; n])
        }
    }

    fn get_mut(&mut self, n: usize) -> &mut [Version] {
        match self {
            Stamps::Inline(a) => &mut a[..n],
            Stamps::Heap(v) => &mut v[..n],
        }
    }
}

/// The non-blocking select ([`Mode::Try`]), linearizable (issue 16 item 3, ADR 053): it
/// reports nothing ready only if there was an instant during the call at which no case was.
///
/// 1. One plain pass in a fresh random order; the first reservation wins (the common case).
/// 2. Otherwise a *double collect*: read every case's change stamp (`SelectHandle::version`),
///    SeqCst fence, pass again, SeqCst fence, read the stamps again. A reservation wins; else
///    equal stamps mean no change that could make a case ready took effect between the two
///    reads, so each case, seen not ready during the pass, stayed not ready until its second
///    read, and the instant just before the first second read lies in all of those intervals:
///    report nothing. A changed stamp means another operation completed on that channel (or
///    its timer came due): pass again.
///
/// The retries are not capped: each one is paid for by a change another thread completed on
/// one of the channels during the previous pass (or a timer coming due, at most once per
/// timer and tick), so the select is lock-free but not wait-free, and with the channels
/// quiescent it ends after at most two passes. A cap would have to answer something when it
/// is hit, and both answers break the contract: "nothing" may be false, and registering as a
/// blocking select does can swallow a wake-up meant for a sleeping receiver (ADR 052). Between
/// retries it backs off (spin, then yield) so a preempted partner can finish its operation.
fn try_run(cases: &[Case<'_>], biased: bool, take: bool) -> Option<(usize, Token)> {
    let n = cases.len();
    let mut order = Order::new(n, biased);
    let pass = |order: &mut Order| -> Option<(usize, Token)> {
        for &i in order.shuffle() {
            if let Some(t) = cases[i].handle.try_reserve(take) {
                return Some((i, t));
            }
        }
        None
    };
    if let Some(r) = pass(&mut order) {
        return Some(r);
    }
    if cfg!(portalis_seeded_bug = "select_try_single_pass") {
        // Negative control (verify/scripts/controls.sh): the old single pass.
        return None;
    }
    let mut stamps = Stamps::new(n);
    let stamps = stamps.get_mut(n);
    let backoff = crate::Backoff::new();
    loop {
        for (v, c) in stamps.iter_mut().zip(cases) {
            *v = c.handle.version();
        }
        // SeqCst fences: the pass's reads of each channel come after the first stamp reads and
        // before the second (on the shim, they also stand in for SeqCst loads, which loom
        // models as Acquire).
        fence(SeqCst);
        if let Some(r) = pass(&mut order) {
            return Some(r);
        }
        fence(SeqCst);
        if stamps
            .iter()
            .zip(cases)
            .all(|(v, c)| c.handle.version() == *v)
        {
            return None;
        }
        backoff.snooze();
    }
}

/// Steps 1–4; `observe` registers rendezvous receive cases as observers (for `ready`).
fn run(cases: &[Case<'_>], biased: bool, mode: Mode, observe: bool) -> Option<(usize, Token)> {
    let n = cases.len();
    // `ready` (observe) only reports readiness; `select` completes what it reserves.
    let take = !observe;
    if let Mode::Try = mode {
        return try_run(cases, biased, take);
    }
    let mut order = Order::new(n, biased);
    // Step 1: one pass in a fresh random order; the first reservation wins.
    let mut poll = || -> Option<(usize, Token)> {
        for &i in order.shuffle() {
            if let Some(t) = cases[i].handle.try_reserve(take) {
                return Some((i, t));
            }
        }
        None
    };
    let backoff = crate::Backoff::new();
    for _ in 0..POLL_ROUNDS {
        if let Some(r) = poll() {
            return Some(r);
        }
        backoff.snooze();
    }
    let Mode::Block(deadline) = mode else {
        unreachable!()
    };
    // Registered cases in registration order, with their packets.
    let mut regs: Vec<(usize, *mut ())> = Vec::with_capacity(n);
    let mut reg_order = Order::new(n, biased);
    let mut expired = false;
    loop {
        let timer = cases.iter().filter_map(|c| c.handle.deadline()).min();
        let wake_at = match (deadline, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if expired || deadline.is_some_and(|d| instant_now() >= d) {
            return poll();
        }
        // Step 2.
        let cx = Context::new();
        regs.clear();
        let mut ready = false;
        // In a random order: a partner claims the oldest entry first, so a fixed order would
        // hand the same case every simultaneous partner (issue 16 item 2).
        for &i in reg_order.shuffle() {
            let (r, p) = cases[i].handle.register(i, &cx, observe);
            if r {
                ready = true;
                break;
            }
            regs.push((i, p));
        }
        // Step 3.
        let selected = if ready {
            cx.abort_or_selected()
        } else {
            match cx.wait_until(wake_at) {
                Woken::Selected(i) => Some(i),
                Woken::TimedOut if wake_at == deadline => {
                    // The select's own deadline (not a timer case): final poll after cleanup.
                    expired = true;
                    None
                }
                Woken::TimedOut => None,
                Woken::CannotBlock(e) => {
                    for &(i, _) in &regs {
                        cases[i].handle.unregister(&cx);
                    }
                    for &(i, p) in &regs {
                        cases[i].handle.free_packet(p);
                    }
                    if wake_at.is_some() {
                        // Timed (or a timer case): spin out the time (ADR 022); the loop
                        // re-polls and re-checks the deadline.
                        continue;
                    }
                    panic!("select would block: {e}");
                }
            }
        };
        // Step 4.
        for &(i, _) in &regs {
            cases[i].handle.unregister(&cx);
        }
        let mut filled = None;
        for &(i, p) in &regs {
            if Some(i) == selected {
                // A filled receive packet, or a mailbox a receiver wrote (handoff.rs M3: that
                // receiver waits for this operation, so it must be the one returned).
                if let Some(t) = cases[i].handle.selected_packet(p) {
                    filled = Some((i, t));
                    continue;
                }
            }
            cases[i].handle.free_packet(p);
        }
        if filled.is_some() {
            return filled;
        }
        if let Some(i) = selected {
            if let Some(t) = cases[i].handle.try_reserve(take) {
                return Some((i, t));
            }
        }
        if let Some(r) = poll() {
            return Some(r);
        }
    }
}

impl<'a> Select<'a> {
    /// An empty selection.
    pub fn new() -> Select<'a> {
        Select::empty(false)
    }

    /// An empty selection that prefers earlier operations: when several are ready the first
    /// added wins, and a blocked select registers in the order added (as crossbeam-channel's
    /// `Select::new_biased`).
    pub fn new_biased() -> Select<'a> {
        Select::empty(true)
    }

    /// Adds a send operation on `s`; returns its index.
    pub fn send<T>(&mut self, s: &'a Sender<T>) -> usize {
        self.push(s)
    }

    /// Adds a receive operation on `r`; returns its index.
    pub fn recv<T>(&mut self, r: &'a Receiver<T>) -> usize {
        self.push(r)
    }
}

impl<'a> Select<'a, SendHandles> {
    /// An empty selection that is `Send + Sync` and accepts only handles of `Send` message
    /// types (see "Sharing a select between threads" above).
    pub fn new_sendable() -> Select<'a, SendHandles> {
        Select::empty(false)
    }

    /// As [`new_sendable`](Self::new_sendable), preferring earlier operations (as
    /// [`new_biased`](Select::new_biased)).
    pub fn new_sendable_biased() -> Select<'a, SendHandles> {
        Select::empty(true)
    }

    /// Adds a send operation on `s`; returns its index.
    pub fn send<T: Send>(&mut self, s: &'a Sender<T>) -> usize {
        self.push(s)
    }

    /// Adds a receive operation on `r`; returns its index.
    pub fn recv<T: Send>(&mut self, r: &'a Receiver<T>) -> usize {
        self.push(r)
    }
}

impl<'a, H> Select<'a, H> {
    fn empty(biased: bool) -> Select<'a, H> {
        Select {
            cases: Cases::Empty,
            biased,
            handles: PhantomData,
        }
    }

    fn push(&mut self, handle: &'a dyn SelectHandle) -> usize {
        self.cases.push(Case { handle });
        self.cases.len() - 1
    }

    fn selected(&self, (index, token): (usize, Token)) -> SelectedOperation<'a> {
        SelectedOperation {
            index,
            token: Some(token),
            handle: self.cases[index].handle,
        }
    }

    /// Selects a ready operation without blocking.
    ///
    /// Linearizable: it reports nothing ready only if there was an instant during the call at
    /// which no operation was ready (so `select!` with `default` too). It never waits for
    /// another thread, but passes over the cases again while other threads keep changing
    /// them (lock-free, not wait-free; ADR 053).
    ///
    /// # Errors
    /// [`TrySelectError`] if none is ready.
    pub fn try_select(&mut self) -> Result<SelectedOperation<'a>, TrySelectError> {
        run(&self.cases, self.biased, Mode::Try, false)
            .map(|r| self.selected(r))
            .ok_or(TrySelectError)
    }

    /// Blocks until an operation is ready and selects it (blocks forever with no operations).
    ///
    /// # Panics
    /// If the thread cannot block (see `futex::WaitError`) and nothing is ready.
    pub fn select(&mut self) -> SelectedOperation<'a> {
        if self.cases.is_empty() {
            super::timer::sleep_until(None);
        }
        let r = run(&self.cases, self.biased, Mode::Block(None), false)
            .expect("an untimed select ends selected");
        self.selected(r)
    }

    /// As [`select`](Self::select) with a timeout.
    ///
    /// # Errors
    /// [`SelectTimeoutError`] if nothing was ready in time.
    pub fn select_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        match instant_now().checked_add(timeout) {
            Some(d) => self.select_deadline(d),
            None => Ok(self.select()),
        }
    }

    /// As [`select`](Self::select) with a deadline.
    ///
    /// # Errors
    /// [`SelectTimeoutError`] if nothing was ready in time.
    pub fn select_deadline(
        &mut self,
        deadline: Instant,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        if self.cases.is_empty() {
            super::timer::sleep_until(Some(deadline));
            return Err(SelectTimeoutError);
        }
        run(&self.cases, self.biased, Mode::Block(Some(deadline)), false)
            .map(|r| self.selected(r))
            .ok_or(SelectTimeoutError)
    }

    /// The index of an operation that is ready now, without performing it. Linearizable, as
    /// [`try_select`](Self::try_select).
    ///
    /// # Errors
    /// [`TryReadyError`] if none is.
    pub fn try_ready(&mut self) -> Result<usize, TryReadyError> {
        self.ready_inner(Mode::Try).ok_or(TryReadyError)
    }

    /// Blocks until an operation is ready and returns its index without performing it. Another
    /// thread may take the message before you do: follow up with a non-blocking operation.
    pub fn ready(&mut self) -> usize {
        if self.cases.is_empty() {
            super::timer::sleep_until(None);
        }
        self.ready_inner(Mode::Block(None))
            .expect("an untimed ready ends ready")
    }

    /// As [`ready`](Self::ready) with a timeout.
    ///
    /// # Errors
    /// [`ReadyTimeoutError`] if nothing was ready in time.
    pub fn ready_timeout(&mut self, timeout: Duration) -> Result<usize, ReadyTimeoutError> {
        let deadline = instant_now().checked_add(timeout);
        if self.cases.is_empty() {
            super::timer::sleep_until(deadline);
            return Err(ReadyTimeoutError);
        }
        self.ready_inner(Mode::Block(deadline))
            .ok_or(ReadyTimeoutError)
    }

    fn ready_inner(&self, mode: Mode) -> Option<usize> {
        let (i, token) = run(&self.cases, self.biased, mode, true)?;
        self.cases[i].handle.release(token);
        Some(i)
    }
}

/// The operation a select chose, holding its reservation; complete it with
/// [`recv`](Self::recv) or [`send`](Self::send) on the same channel.
///
/// Dropping it without completing gives the reservation back, except a rendezvous message
/// that was already handed into the select (then that message is dropped); a receive on a
/// buffered (`bounded(n ≥ 2)`, `unbounded()`) channel puts its message back at the end of the
/// queue, or drops it if the channel filled up or disconnected meanwhile; a send on
/// `bounded(n ≥ 2)` gives its claimed slot back, or, if another send claimed a later slot
/// meanwhile, leaves an empty slot that counts toward `len` until the next receive skips it.
/// Always complete the operation, as crossbeam requires.
///
/// A selected send on `bounded(n ≥ 2)` owns its slot from selection until `send`: receivers
/// that reach the slot wait for it (as in crossbeam). So do not receive from that channel on
/// the same thread before completing the send.
#[must_use = "complete the selected operation with `recv` or `send`"]
pub struct SelectedOperation<'a> {
    index: usize,
    token: Option<Token>,
    handle: &'a dyn SelectHandle,
}

impl fmt::Debug for SelectedOperation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectedOperation")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl SelectedOperation<'_> {
    /// The index the selected operation got when it was added.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Completes a selected receive.
    ///
    /// # Errors
    /// [`RecvError`] if the channel is disconnected and empty.
    ///
    /// # Panics
    /// If `r` is not the channel of the selected operation.
    pub fn recv<T>(mut self, r: &Receiver<T>) -> Result<T, RecvError> {
        assert!(
            core::ptr::eq(SelectHandle::id(r), self.handle.id()),
            "passed a receiver that wasn't selected"
        );
        let token = self.token.take().expect("completed once");
        r.read(token)
    }

    /// Completes a selected send.
    ///
    /// # Errors
    /// [`SendError`] (with the message) if every receiver is gone.
    ///
    /// # Panics
    /// If `s` is not the channel of the selected operation.
    pub fn send<T>(mut self, s: &Sender<T>, msg: T) -> Result<(), SendError<T>> {
        assert!(
            core::ptr::eq(SelectHandle::id(s), self.handle.id()),
            "passed a sender that wasn't selected"
        );
        let token = self.token.take().expect("completed once");
        s.chan.write(token, msg)
    }
}

impl Drop for SelectedOperation<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.token.take() {
            self.handle.release(t);
        }
    }
}
