//! Model-checking scenarios and checkers for the public API of portalis-threading.
//!
//! The models live in `tests/` (`loom_*.rs`, `shuttle_*.rs`) and only compile their bodies
//! under `--cfg portalis_loom` / `--cfg portalis_shuttle`; `scripts/` drive them with the
//! flags documented there, and `scripts/controls.sh` runs the negative controls (one seeded
//! protocol bug each, which the named model must report). This library holds shared helpers.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

/// The linearizability checker and the recorder that feeds it (native builds only: it runs
/// real threads, which the model builds' primitives cannot).
#[cfg(not(any(portalis_loom, portalis_shuttle)))]
pub mod lin;

/// Helpers for the model tests (loom or shuttle builds only).
#[cfg(any(portalis_loom, portalis_shuttle))]
pub mod model {
    use core::fmt;
    use portalis_primitives::sync::cell::UnsafeCell;

    /// Data handed from one thread to another *outside* the primitive under test: written
    /// before the release side (`release`, `set`, `send`, ...) and read after the acquire side.
    /// Under loom every access is tracked, so if the primitive does not create a
    /// happens-before edge from the writer to the reader (a weakened ordering), loom reports a
    /// causality violation instead of the test passing on a counter.
    pub struct Payload(UnsafeCell<u32>);

    // SAFETY: every access goes through `UnsafeCell::with`/`with_mut`; the models call `write`
    // and `read` only in orders the primitive under test claims to synchronise, and loom
    // checks exactly that claim (a racy access is a reported error, not silent UB).
    unsafe impl Sync for Payload {}

    impl Payload {
        /// A payload holding 0.
        pub fn new() -> Self {
            Payload(UnsafeCell::new(0))
        }

        /// Writes `v` (the publishing thread, before its release operation).
        pub fn write(&self, v: u32) {
            // SAFETY: see the `Sync` impl: the model orders this before every `read`.
            self.0.with_mut(|p| unsafe { *p = v });
        }

        /// Reads the value (the consuming thread, after its acquire operation).
        pub fn read(&self) -> u32 {
            // SAFETY: see the `Sync` impl: the model orders every `write` before this.
            self.0.with(|p| unsafe { *p })
        }
    }

    impl Default for Payload {
        fn default() -> Self {
            Self::new()
        }
    }

    impl fmt::Debug for Payload {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Payload")
        }
    }

    /// Runs a future to completion on the current loom thread: polls it, and parks the thread
    /// (`loom::thread::park`) while it is pending; its waker unparks the thread. A wake-up that
    /// never comes is a deadlock loom reports (loom's own `future::block_on` needs a loom
    /// feature this workspace does not enable).
    #[cfg(portalis_loom)]
    pub fn block_on<F: core::future::Future>(f: F) -> F::Output {
        struct Unpark(loom::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(loom::thread::current())));
        let mut cx = std::task::Context::from_waker(&waker);
        let mut f = core::pin::pin!(f);
        loop {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
            loom::thread::park();
        }
    }

    /// Runs `f` under loom with an explicit preemption bound (each model states its own, so a
    /// model that needs a deeper bound to reach its bug gets it, and the cheap ones stay
    /// cheap). `LOOM_MAX_PREEMPTIONS` in the environment is ignored on purpose.
    #[cfg(portalis_loom)]
    pub fn loom_model<F>(preemptions: usize, f: F)
    where
        F: Fn() + Sync + Send + 'static,
    {
        let mut b = loom::model::Builder::new();
        b.preemption_bound = Some(preemptions);
        b.check(f);
    }

    /// One channel flavour (`cap`: `Some(0)` rendezvous, `Some(1)` the locked queue,
    /// `Some(2..)` the ring, `None` the list): `send` → `recv` carries happens-before for data
    /// outside the message. Two messages, so the receiver may block on an empty channel in
    /// between; each payload is written before its send and read after its receive.
    #[cfg(portalis_loom)]
    pub fn channel_hb(cap: Option<usize>) {
        use loom::sync::Arc;
        use loom::thread;
        use portalis_primitives::channel;
        let (s, r) = match cap {
            Some(c) => channel::bounded::<u32>(c),
            None => channel::unbounded::<u32>(),
        };
        let data = Arc::new([Payload::new(), Payload::new()]);
        let d2 = data.clone();
        let t = thread::spawn(move || {
            for (i, d) in d2.iter().enumerate() {
                d.write(i as u32 + 10);
                s.send(i as u32).unwrap();
            }
        });
        for (i, d) in data.iter().enumerate() {
            assert_eq!(r.recv(), Ok(i as u32));
            assert_eq!(d.read(), i as u32 + 10);
        }
        t.join().unwrap();
    }
}
