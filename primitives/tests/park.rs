//! Public behaviour of `Parker` / `Unparker`.

use portalis_primitives::futex::WaitResult;
use portalis_primitives::Parker;
use std::time::Duration;

#[test]
fn token_before_park_is_kept() {
    let p = Parker::new();
    p.unparker().unpark();
    p.park().unwrap();
    // The token was consumed: a zero-timeout park now times out.
    assert_eq!(p.park_timeout(Duration::ZERO), Ok(WaitResult::TimedOut));
}

#[cfg(not(portalis_no_threads))] // Spawns a thread.
#[test]
fn unpark_from_another_thread_wakes() {
    const ROUNDS: usize = if cfg!(miri) { 20 } else { 2_000 };
    let p = Parker::new();
    let u = p.unparker();
    let t = std::thread::spawn(move || {
        for _ in 0..ROUNDS {
            u.unpark();
        }
    });
    t.join().unwrap();
    // Tokens do not accumulate: at most one is pending.
    p.park().unwrap();
    assert_eq!(
        p.park_timeout(Duration::from_millis(1)),
        Ok(WaitResult::TimedOut)
    );
}

#[cfg(not(portalis_no_threads))] // Spawns a thread.
#[test]
fn ping_pong() {
    const ROUNDS: usize = if cfg!(miri) { 20 } else { 2_000 };
    let (a, b) = (Parker::new(), Parker::new());
    let (ua, ub) = (a.unparker(), b.unparker());
    let t = std::thread::spawn(move || {
        for _ in 0..ROUNDS {
            b.park().unwrap();
            ua.unpark();
        }
    });
    for _ in 0..ROUNDS {
        ub.unpark();
        a.park().unwrap();
    }
    t.join().unwrap();
}

#[cfg(not(portalis_no_threads))] // Spawns a thread.
#[test]
fn huge_timeout_is_untimed() {
    let p = Parker::new();
    let u = p.unparker();
    let t = std::thread::spawn(move || u.unpark());
    assert_eq!(p.park_timeout(Duration::MAX), Ok(WaitResult::Woken));
    t.join().unwrap();
}

/// Without threads nobody can unpark us: parking with no token is a typed error, not a hang.
#[cfg(portalis_no_threads)]
#[test]
fn park_without_token_would_deadlock() {
    use portalis_primitives::futex::WaitError;
    let p = Parker::new();
    assert_eq!(p.park(), Err(WaitError::WouldDeadlock));
    assert_eq!(p.park_timeout(Duration::MAX), Err(WaitError::WouldDeadlock));
}
