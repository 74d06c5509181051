//! A linearizability checker: do the operations that real threads ran on a concurrent object
//! have a sequential order that (1) respects real time (an operation that returned before
//! another was called comes first) and (2) the object's sequential specification accepts?
//!
//! # Design (docs/adr/096-linearizability-checker.md)
//! * A history is a list of [`Event`]s: one per completed operation, with its call and return
//!   ticks from one global counter ([`Clock`]), so "returned before called" is a comparison.
//! * [`check`] is Wing and Gong's search: repeatedly pick, among the operations not yet
//!   placed, one that is *minimal* (called before every pending operation returned), ask the
//!   [`Spec`] whether it could have returned what it did in the current state, and recurse;
//!   backtrack when nothing fits.
//! * Pruning as in Lowe's JIT-linearizability and Porcupine: the search remembers every
//!   `(set of placed operations, spec state)` pair it has entered. Two paths that placed the
//!   same operations and reached the same state have the same future, so the second one is cut.
//!   This turns the factorial search into one bounded by the number of distinct pairs.
//! * The spec is a plain value type (`Clone + Eq + Hash`): a step returns the next state, or
//!   `None` if the recorded result is impossible in this state.
//!
//! The recording side ([`record`]) runs scripted operations on real threads.
//!
//! # Examples
//! A FIFO queue where `enq(1)` returned before `enq(2)` was called, then a dequeue saw 2:
//! ```
//! use portalis_verify::lin::{check, Event, Spec, Verdict};
//! #[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
//! struct Fifo(Vec<u32>);
//! impl Spec for Fifo {
//!     type Op = Option<u32>; // Some(v) = enqueue v, None = dequeue
//!     type Ret = Option<u32>; // what a dequeue returned
//!     fn step(&self, op: &Option<u32>, ret: &Option<u32>) -> Option<Self> {
//!         let mut next = self.clone();
//!         match op {
//!             Some(v) => next.0.push(*v),
//!             None => {
//!                 // A dequeue must return the head (and there must be one).
//!                 (next.0.first().copied() == *ret && ret.is_some()).then(|| next.0.remove(0))?;
//!             }
//!         }
//!         Some(next)
//!     }
//! }
//! let ev = |op, ret, call, ret_at| Event { thread: 0, op, ret, call, ret_at };
//! let h = [ev(Some(1), None, 0, 1), ev(Some(2), None, 2, 3), ev(None, Some(2), 4, 5)];
//! assert!(matches!(check(&Fifo::default(), &h), Verdict::NotLinearizable { .. }));
//! ```
use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

pub mod record;
pub mod specs;

#[cfg(test)]
mod tests;

pub use record::{soak_factor, Clock, Rng, Run, Stats, ThreadLog};

/// The most operations one history may hold (the placed set is a `u128`). The histories this
/// crate records are far shorter (4 threads × 6 operations, or 3 events per mutex section).
pub const MAX_EVENTS: usize = 128;

/// A sequential specification: a state machine over operations and their results.
pub trait Spec: Clone + Eq + Hash + Debug {
    /// An operation with its arguments.
    type Op: Debug;
    /// What an operation returned.
    type Ret: Debug;
    /// The state after `op` returned `ret` in state `self`, or `None` if the specification
    /// says `op` cannot return `ret` here.
    fn step(&self, op: &Self::Op, ret: &Self::Ret) -> Option<Self>;
}

/// One completed operation: who ran it, what it was, what it returned, and when (ticks of
/// one [`Clock`]; `call < ret_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<O, R> {
    /// Index of the thread that ran it (for reports only).
    pub thread: usize,
    /// The operation.
    pub op: O,
    /// Its result.
    pub ret: R,
    /// Tick taken just before the call.
    pub call: u64,
    /// Tick taken just after the return.
    pub ret_at: u64,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A witness order (indices into the history).
    Linearizable {
        /// The operations in a legal sequential order.
        order: Vec<usize>,
        /// How many `(placed set, state)` pairs the search entered.
        states: usize,
    },
    /// No legal order exists.
    NotLinearizable {
        /// The longest legal prefix the search found (where the trouble starts).
        longest: Vec<usize>,
        /// How many `(placed set, state)` pairs the search entered.
        states: usize,
    },
}

impl Verdict {
    /// Whether a legal order exists.
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable { .. })
    }

    /// How many search states were entered.
    pub fn states(&self) -> usize {
        match self {
            Verdict::Linearizable { states, .. } | Verdict::NotLinearizable { states, .. } => {
                *states
            }
        }
    }
}

/// Decides whether `history`, started from the specification state `init`, is linearizable.
///
/// # Panics
/// If the history holds more than [`MAX_EVENTS`] operations or an event returns before it is
/// called (`ret_at <= call`): both are mistakes of the recorder, not of the object checked.
pub fn check<S: Spec>(init: &S, history: &[Event<S::Op, S::Ret>]) -> Verdict {
    assert!(
        history.len() <= MAX_EVENTS,
        "a history of {} operations: split it (at most {MAX_EVENTS})",
        history.len()
    );
    for e in history {
        assert!(e.call < e.ret_at, "an event returns before its call: {e:?}");
    }
    let mut by_call: Vec<usize> = (0..history.len()).collect();
    by_call.sort_by_key(|&i| history[i].call);
    let mut search = Search {
        history,
        by_call,
        seen: HashSet::new(),
        path: Vec::new(),
        longest: Vec::new(),
    };
    let full = if history.len() == MAX_EVENTS {
        u128::MAX
    } else {
        (1u128 << history.len()) - 1
    };
    let found = search.dfs(init, 0, full);
    let states = search.seen.len();
    if found {
        Verdict::Linearizable {
            order: search.path,
            states,
        }
    } else {
        Verdict::NotLinearizable {
            longest: search.longest,
            states,
        }
    }
}

struct Search<'h, S: Spec> {
    history: &'h [Event<S::Op, S::Ret>],
    /// Indices sorted by call tick: the minimal operations are a prefix of the unplaced ones.
    by_call: Vec<usize>,
    /// Every `(placed set, state)` pair entered so far (Lowe's / Porcupine's cache).
    seen: HashSet<(u128, S)>,
    path: Vec<usize>,
    longest: Vec<usize>,
}

impl<S: Spec> Search<'_, S> {
    fn dfs(&mut self, state: &S, placed: u128, full: u128) -> bool {
        if placed == full {
            return true;
        }
        let pending = |i: usize| placed & (1u128 << i) == 0;
        // An operation can go next only if it was called before every pending operation
        // returned: otherwise that operation precedes it in real time.
        let first_return = (0..self.history.len())
            .filter(|&i| pending(i))
            .map(|i| self.history[i].ret_at)
            .min()
            .expect("not full, so something is pending");
        for k in 0..self.by_call.len() {
            let i = self.by_call[k];
            let e = &self.history[i];
            if e.call > first_return {
                break; // sorted by call: everything after is later still
            }
            if !pending(i) {
                continue;
            }
            let Some(next) = state.step(&e.op, &e.ret) else {
                continue;
            };
            let placed_next = placed | (1u128 << i);
            if !self.seen.insert((placed_next, next.clone())) {
                continue; // this pair was explored before and failed (or is on the path)
            }
            self.path.push(i);
            if self.path.len() > self.longest.len() {
                self.longest.clone_from(&self.path);
            }
            if self.dfs(&next, placed_next, full) {
                return true;
            }
            self.path.pop();
        }
        false
    }
}

/// Formats a history for a failure report: one line per operation in call order, with the
/// longest legal prefix marked.
pub fn report<O: Debug, R: Debug>(history: &[Event<O, R>], longest: &[usize]) -> String {
    let mut by_call: Vec<usize> = (0..history.len()).collect();
    by_call.sort_by_key(|&i| history[i].call);
    let mut out = String::new();
    for i in by_call {
        let e = &history[i];
        let mark = match longest.iter().position(|&j| j == i) {
            Some(p) => format!("#{p:<3}"),
            None => "    ".into(),
        };
        out += &format!(
            "  {mark} [{:>4}, {:>4}] t{} {:?} -> {:?}\n",
            e.call, e.ret_at, e.thread, e.op, e.ret
        );
    }
    out += "  (#n: position in the longest legal prefix found; unmarked: never placed after it)\n";
    out
}
