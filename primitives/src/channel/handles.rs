//! The public handles of `bounded`/`unbounded` channels and of the timer channels: the
//! constructors, [`Sender`], [`Receiver`] and its iterators. Each handle dispatches to a
//! [`Chan`] (`chan.rs`) or a timer (`timer.rs`), and implements [`SelectHandle`] for the select
//! engine (`select.rs`), which imports these types; nothing here imports `select.rs`.

use super::chan::Chan;
use super::error::{
    CapacityError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};
use super::handoff::{self, SelectHandle, Token, Version};
use super::timer;
use super::waiter::Context;
use crate::deadline::instant_now;
use crate::sync::Arc;
use crate::time::Instant;
use core::fmt;
use core::marker::PhantomData;
use std::time::Duration;

/// An unbounded channel.
///
/// # Examples
/// ```
/// let (s, r) = portalis_primitives::channel::unbounded();
/// let t = std::thread::spawn(move || s.send(7).unwrap());
/// assert_eq!(r.recv(), Ok(7));
/// t.join().unwrap();
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    pair(Chan::new(None))
}

/// A channel holding at most `cap` messages; `cap == 0` makes a rendezvous channel.
///
/// Memory follows occupancy: `cap` is a limit, not a preallocation.
///
/// # Examples
/// ```
/// let (s, r) = portalis_primitives::channel::bounded(0);
/// let t = std::thread::spawn(move || s.send("hand-off").unwrap()); // waits for the receiver
/// assert_eq!(r.recv(), Ok("hand-off"));
/// t.join().unwrap();
/// ```
///
/// # Panics
/// If a buffer of `cap` messages of `T` could never be allocated (its size overflows
/// `isize::MAX`, e.g. `bounded::<u64>(usize::MAX)`); see [`try_bounded`].
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    match try_bounded(cap) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// [`bounded`] that reports an unallocatable capacity instead of panicking.
///
/// # Examples
/// ```
/// use portalis_primitives::channel::try_bounded;
/// assert!(try_bounded::<u64>(usize::MAX).is_err());
/// assert!(try_bounded::<()>(usize::MAX).is_ok()); // zero-sized messages need no memory
/// ```
///
/// # Errors
/// [`CapacityError`] when `cap` messages of `T` do not fit in `isize::MAX` bytes.
pub fn try_bounded<T>(cap: usize) -> Result<(Sender<T>, Receiver<T>), CapacityError> {
    if core::alloc::Layout::array::<T>(cap).is_err() {
        return Err(CapacityError { capacity: cap });
    }
    Ok(pair(Chan::new(Some(cap))))
}

fn pair<T>(c: Chan<T>) -> (Sender<T>, Receiver<T>) {
    let c = Arc::new(c);
    (
        Sender { chan: c.clone() },
        Receiver {
            flavor: Flavor::Chan(c),
        },
    )
}

/// A receiver that delivers one message (the deadline `Instant`) after `duration`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let r = portalis_primitives::channel::after(Duration::from_millis(1));
/// assert!(r.recv().is_ok());
/// ```
pub fn after(duration: Duration) -> Receiver<Instant> {
    let now = instant_now();
    at(now
        .checked_add(duration)
        .unwrap_or(now + Duration::from_secs(86400 * 365 * 100)))
}

/// A receiver that delivers one message at `when`.
pub fn at(when: Instant) -> Receiver<Instant> {
    Receiver {
        flavor: Flavor::At(Arc::new(timer::At::new(when))),
    }
}

/// A receiver that delivers a message every `duration`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let r = portalis_primitives::channel::tick(Duration::from_millis(1));
/// let a = r.recv().unwrap();
/// let b = r.recv().unwrap();
/// assert!(b > a);
/// ```
pub fn tick(duration: Duration) -> Receiver<Instant> {
    Receiver {
        flavor: Flavor::Tick(Arc::new(timer::Tick::new(duration))),
    }
}

/// A receiver that never delivers (useful to disable a `select!` case).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let r = portalis_primitives::channel::never::<i32>();
/// assert!(r.recv_timeout(Duration::from_millis(1)).is_err());
/// ```
pub fn never<T>() -> Receiver<T> {
    Receiver {
        flavor: Flavor::Never(PhantomData),
    }
}

/// The sending half; clone it for more producers.
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

/// The receiving half; clone it for more consumers (each message goes to one of them).
pub struct Receiver<T> {
    flavor: Flavor<T>,
}

impl<T> Receiver<T> {
    /// The channel behind this receiver, unless it is a timer (`after`, `tick`, `never`).
    pub(crate) fn chan(&self) -> Option<&Chan<T>> {
        match &self.flavor {
            Flavor::Chan(c) => Some(c),
            _ => None,
        }
    }

    /// When a timer receiver (`after`, `at`, `tick`) has its next message due; `None` for
    /// `never`, for an `after` whose message another receiver took, and for channels.
    pub(crate) fn timer_deadline(&self) -> Option<Instant> {
        SelectHandle::deadline(self)
    }
}

enum Flavor<T> {
    Chan(Arc<Chan<T>>),
    /// Only in `Receiver<Instant>` (built by `after`/`at`).
    At(Arc<timer::At>),
    /// Only in `Receiver<Instant>` (built by `tick`).
    Tick(Arc<timer::Tick>),
    Never(PhantomData<fn() -> T>),
}

// SAFETY: a channel moves `T`s between threads, so handles are Send/Sync when `T: Send`
// (as crossbeam and std); the raw packet pointers inside are guarded by the claim protocol.
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: as above; every method takes `&self` and synchronises through the channel lock.
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Receiver<T> {}

// A panic in user code between channel calls cannot leave a channel half-updated: no user code
// runs under a channel lock, and messages are dropped only after the state is consistent
// (drops.rs). So, as in crossbeam-channel, the handles are unwind-safe.
impl<T> std::panic::UnwindSafe for Sender<T> {}
impl<T> std::panic::RefUnwindSafe for Sender<T> {}
impl<T> std::panic::UnwindSafe for Receiver<T> {}
impl<T> std::panic::RefUnwindSafe for Receiver<T> {}

/// Turns a timer's `Instant` into the receiver's `T`.
fn instant_as<T>(i: Instant) -> T {
    assert_eq!(core::mem::size_of::<T>(), core::mem::size_of::<Instant>());
    let i = core::mem::ManuallyDrop::new(i);
    // SAFETY: timer flavours exist only in `Receiver<Instant>` (built by `after`, `at` and
    // `tick`), so `T` is `Instant` here; `ManuallyDrop` keeps the source from double use.
    unsafe { core::mem::transmute_copy::<Instant, T>(&i) }
}

impl<T> Sender<T> {
    /// Sends a message, waiting for room (or, for `bounded(0)`, for a receiver).
    ///
    /// # Errors
    /// [`SendError`] with the message if every receiver is gone.
    ///
    /// # Panics
    /// If the thread cannot block and would have to wait (see the module docs).
    #[inline]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        // The uncontended attempt inline, the rest a tail call returning this function's own
        // type: no result conversion after the call, so no common exit for the fast path to
        // share with it (ADR 127).
        match self.chan.send_fast(msg) {
            Ok(()) => Ok(()),
            Err(msg) => self.send_rest(msg),
        }
    }

    /// `send` after [`Chan::send_fast`] did not decide.
    #[inline(never)]
    fn send_rest(&self, msg: T) -> Result<(), SendError<T>> {
        self.chan
            .send_rest(msg, None)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends without waiting.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Disconnected`], with the message.
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(msg)
    }

    /// Sends, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`SendTimeoutError`] with the message.
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(msg, instant_now().checked_add(timeout))
    }

    /// Sends, waiting until `deadline`.
    ///
    /// # Errors
    /// [`SendTimeoutError`] with the message.
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.chan.send(msg, Some(deadline))
    }

    /// Number of queued messages.
    pub fn len(&self) -> usize {
        self.chan.len()
    }
    /// `true` if nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `true` if a send would have to wait (always for `bounded(0)`).
    pub fn is_full(&self) -> bool {
        self.chan.capacity().is_some_and(|c| self.len() >= c)
    }
    /// `Some(cap)` for bounded channels, `None` for unbounded ones.
    pub fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }
    /// `true` if both handles belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Chan::<T>::acquire(&self.chan.senders);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.release_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sender { .. }")
    }
}

impl<T> Receiver<T> {
    /// Receives a message, waiting for one.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is empty and every sender is gone.
    ///
    /// # Panics
    /// If the thread cannot block and would have to wait (see the module docs).
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        // As `Sender::send`: the uncontended attempt inline, the rest a tail call (ADR 127).
        if let Flavor::Chan(c) = &self.flavor {
            if let Some(m) = c.recv_fast() {
                return Ok(m);
            }
        }
        self.recv_rest()
    }

    /// `recv` after [`Chan::recv_fast`] did not decide (or on a timer flavour).
    #[inline(never)]
    fn recv_rest(&self) -> Result<T, RecvError> {
        let r = match &self.flavor {
            Flavor::Chan(c) => c.recv_rest(None),
            _ => self.recv_inner(None),
        };
        r.map_err(|_| RecvError)
    }

    /// Receives without waiting.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.flavor {
            Flavor::Chan(c) => c.try_recv(),
            Flavor::At(a) => a.try_recv().map(instant_as),
            Flavor::Tick(t) => t.try_recv().map(instant_as),
            Flavor::Never(_) => Err(TryRecvError::Empty),
        }
    }

    /// Receives, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`RecvTimeoutError`].
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match instant_now().checked_add(timeout) {
            Some(d) => self.recv_inner(Some(d)),
            None => self.recv().map_err(|_| RecvTimeoutError::Disconnected),
        }
    }

    /// Receives, waiting until `deadline`.
    ///
    /// # Errors
    /// [`RecvTimeoutError`].
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_inner(Some(deadline))
    }

    #[inline(always)]
    fn recv_inner(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        // The channel flavours first, as a plain branch (the inlined fast path of `Chan::recv`
        // follows); the timers go through the match.
        if let Flavor::Chan(c) = &self.flavor {
            return c.recv(deadline);
        }
        match &self.flavor {
            Flavor::Chan(c) => c.recv(deadline),
            Flavor::At(a) => a.recv(deadline).map(instant_as),
            Flavor::Tick(t) => t.recv(deadline).map(instant_as),
            Flavor::Never(_) => {
                timer::sleep_until(deadline);
                Err(RecvTimeoutError::Timeout)
            }
        }
    }

    /// A blocking iterator; ends when the channel is empty and disconnected.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { r: self }
    }

    /// A non-blocking iterator over what is ready now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { r: self }
    }

    /// Number of queued messages.
    pub fn len(&self) -> usize {
        match &self.flavor {
            Flavor::Chan(c) => c.len(),
            Flavor::At(a) => usize::from(!a.is_empty()),
            Flavor::Tick(t) => usize::from(!t.is_empty()),
            Flavor::Never(_) => 0,
        }
    }
    /// `true` if nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `true` if the channel holds `capacity` messages (always for `bounded(0)`).
    pub fn is_full(&self) -> bool {
        self.capacity().is_some_and(|c| self.len() >= c)
    }
    /// `Some(cap)` for bounded channels (timers: `Some(1)`), `None` for unbounded and `never`.
    pub fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            Flavor::Chan(c) => c.capacity(),
            Flavor::At(_) | Flavor::Tick(_) => Some(1),
            Flavor::Never(_) => Some(0),
        }
    }
    /// `true` if both handles belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        match (&self.flavor, &other.flavor) {
            (Flavor::Chan(a), Flavor::Chan(b)) => Arc::ptr_eq(a, b),
            (Flavor::At(a), Flavor::At(b)) => Arc::ptr_eq(a, b),
            (Flavor::Tick(a), Flavor::Tick(b)) => Arc::ptr_eq(a, b),
            (Flavor::Never(_), Flavor::Never(_)) => true,
            _ => false,
        }
    }

    /// Completes a selected receive.
    pub(crate) fn read(&self, token: Token) -> Result<T, RecvError> {
        match (&self.flavor, token) {
            (Flavor::Chan(c), t) => c.read(t),
            (_, Token::Timer(i)) => Ok(instant_as(i)),
            _ => Err(RecvError),
        }
    }

    /// `true` once every sender is gone (timers never disconnect).
    #[doc(hidden)]
    pub fn is_disconnected(&self) -> bool {
        matches!(&self.flavor, Flavor::Chan(c) if c.is_disconnected())
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        let flavor = match &self.flavor {
            Flavor::Chan(c) => {
                Chan::<T>::acquire(&c.receivers);
                Flavor::Chan(c.clone())
            }
            Flavor::At(a) => Flavor::At(a.clone()),
            Flavor::Tick(t) => Flavor::Tick(t.clone()),
            Flavor::Never(_) => Flavor::Never(PhantomData),
        };
        Receiver { flavor }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Flavor::Chan(c) = &self.flavor {
            c.release_receiver();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Receiver { .. }")
    }
}

/// Blocking iterator of [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    r: &'a Receiver<T>,
}
impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.r.recv().ok()
    }
}

/// Non-blocking iterator of [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a, T> {
    r: &'a Receiver<T>,
}
impl<T> Iterator for TryIter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.r.try_recv().ok()
    }
}

/// Owning blocking iterator of `Receiver::into_iter`.
#[derive(Debug)]
pub struct IntoIter<T> {
    r: Receiver<T>,
}
impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.r.recv().ok()
    }
}
impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { r: self }
    }
}
impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> SelectHandle for Receiver<T> {
    fn try_reserve(&self, take: bool) -> Option<Token> {
        match &self.flavor {
            Flavor::Chan(c) => c.try_reserve_recv(take),
            Flavor::At(a) => a.try_recv().ok().map(Token::Timer),
            // `Select::ready` (`!take`) must not consume the tick (issue 16 item 6).
            Flavor::Tick(t) if !take => (!t.is_empty()).then(|| Token::Timer(instant_now())),
            Flavor::Tick(t) => t.try_recv().ok().map(Token::Timer),
            Flavor::Never(_) => None,
        }
    }
    fn register(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ()) {
        match &self.flavor {
            Flavor::Chan(c) => c.register_recv(oper, cx, observe),
            _ => (false, core::ptr::null_mut()),
        }
    }
    fn unregister(&self, cx: &Arc<Context>) {
        if let Flavor::Chan(c) = &self.flavor {
            c.unregister(cx, true);
        }
    }
    fn selected_packet(&self, p: *mut ()) -> Option<Token> {
        // SAFETY: `p` came from our `register` and the select saw DONE or aborted.
        unsafe { handoff::packet_full::<T>(p) }.then_some(Token::Boxed(p))
    }
    fn free_packet(&self, p: *mut ()) {
        // SAFETY: as above, and the entry was unregistered.
        unsafe { handoff::free_packet::<T>(p) }
    }
    fn version(&self) -> Version {
        match &self.flavor {
            Flavor::Chan(c) => c.version(),
            Flavor::At(a) => a.version(),
            Flavor::Tick(t) => t.version(),
            Flavor::Never(_) => [0; 3],
        }
    }
    fn deadline(&self) -> Option<Instant> {
        match &self.flavor {
            Flavor::At(a) => a.deadline(),
            Flavor::Tick(t) => t.deadline(),
            _ => None,
        }
    }
    fn release(&self, token: Token) {
        match &self.flavor {
            Flavor::Chan(c) => c.release(token, true),
            Flavor::At(a) => a.unreserve(),
            _ => {}
        }
    }
    fn id(&self) -> *const () {
        match &self.flavor {
            Flavor::Chan(c) => Arc::as_ptr(c) as *const (),
            Flavor::At(a) => Arc::as_ptr(a) as *const (),
            Flavor::Tick(t) => Arc::as_ptr(t) as *const (),
            Flavor::Never(_) => core::ptr::null(),
        }
    }
}

impl<T> SelectHandle for Sender<T> {
    fn try_reserve(&self, take: bool) -> Option<Token> {
        self.chan.try_reserve_send(take)
    }
    fn register(&self, oper: usize, cx: &Arc<Context>, observe: bool) -> (bool, *mut ()) {
        self.chan.register_send(oper, cx, observe)
    }
    fn unregister(&self, cx: &Arc<Context>) {
        self.chan.unregister(cx, false);
    }
    fn selected_packet(&self, p: *mut ()) -> Option<Token> {
        if p.is_null() {
            return None;
        }
        // SAFETY: `p` is the mailbox from our `register`; the entry was unregistered and the
        // select saw DONE (M3).
        unsafe { handoff::take_mailbox(p) }.map(Token::Partner)
    }
    fn free_packet(&self, p: *mut ()) {
        // SAFETY: as above; not taken by `selected_packet`.
        unsafe { handoff::free_mailbox(p) }
    }
    fn version(&self) -> Version {
        self.chan.version()
    }
    fn deadline(&self) -> Option<Instant> {
        None
    }
    fn release(&self, token: Token) {
        self.chan.release(token, false);
    }
    fn id(&self) -> *const () {
        // The channel's address with the low bit set (an `Arc`'s pointee is at least
        // word-aligned): a send case differs from a receive case on the same channel, so
        // completing a selected send with `recv` (or the reverse) is caught.
        (Arc::as_ptr(&self.chan) as *const u8).wrapping_add(1) as *const ()
    }
}
