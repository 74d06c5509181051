//! Loom models of `RwLock`: writers exclude readers and each other; no lost wake-up for
//! either kind of waiter.
#![cfg(portalis_loom)]

use loom::sync::Arc;
use loom::thread;
use portalis_primitives::RwLock;

#[test]
fn loom_rwlock_reader_sees_whole_writes() {
    loom::model(|| {
        let l = Arc::new(RwLock::new((0u32, 0u32)));
        let l2 = l.clone();
        let t = thread::spawn(move || {
            let mut g = l2.write();
            g.0 += 1;
            g.1 += 1;
        });
        {
            let g = l.read();
            assert_eq!(g.0, g.1);
        }
        t.join().unwrap();
        assert_eq!(*l.read(), (1, 1));
    });
}

#[test]
fn loom_rwlock_two_writers_and_a_reader() {
    loom::model(|| {
        let l = Arc::new(RwLock::new(0u32));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                thread::spawn(move || {
                    *l.write() += 1;
                })
            })
            .collect();
        let v = *l.read();
        assert!(v <= 2);
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*l.read(), 2);
    });
}
