//! The `select!` macro (crossbeam-channel's syntax).

/// Waits on several channel operations and runs the branch of the one that completes.
///
/// Cases: `recv(r) -> res => body`, `send(s, msg) -> res => body`, and at most one
/// `default => body` (do not block) or `default(timeout) => body` (block at most `timeout`).
/// `res` is the operation's `Result`. When several cases are ready one is picked at random.
/// A panic in a branch body happens after the operation completed: every channel stays usable.
///
/// # Examples
/// ```
/// use portalis_primitives::channel::{bounded, unbounded};
/// use portalis_primitives::select;
/// use std::time::Duration;
///
/// let (s1, r1) = unbounded::<i32>();
/// let (s2, r2) = bounded::<i32>(0);
/// let t = std::thread::spawn(move || r2.recv().unwrap());
/// select! {
///     recv(r1) -> msg => panic!("nothing was sent: {msg:?}"),
///     send(s2, 10) -> res => res.unwrap(),
///     default(Duration::from_secs(10)) => panic!("the receiver is waiting"),
/// }
/// assert_eq!(t.join().unwrap(), 10);
/// drop(s1);
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__select_internal!(@list () () $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_internal {
    // ---- normalise cases into `[kind (args) (res) (body)]` ----
    (@list ($($c:tt)*) ($($d:tt)*) recv($r:expr) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [recv ($r) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) recv($r:expr) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [recv ($r) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) recv($r:expr) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [recv ($r) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) recv($r:expr) -> $res:pat => $body:expr) => {
        $crate::__select_internal!(@list ($($c)* [recv ($r) ($res) ($body)]) ($($d)*))
    };
    (@list ($($c:tt)*) ($($d:tt)*) send($s:expr, $m:expr) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [send ($s, $m) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) send($s:expr, $m:expr) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [send ($s, $m) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) send($s:expr, $m:expr) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_internal!(@list ($($c)* [send ($s, $m) ($res) ($body)]) ($($d)*) $($rest)*)
    };
    (@list ($($c:tt)*) ($($d:tt)*) send($s:expr, $m:expr) -> $res:pat => $body:expr) => {
        $crate::__select_internal!(@list ($($c)* [send ($s, $m) ($res) ($body)]) ($($d)*))
    };
    (@list ($($c:tt)*) () default => $body:block $(,)?) => {
        $crate::__select_internal!(@emit ($($c)*) (try () ($body)))
    };
    (@list ($($c:tt)*) () default => $body:expr $(,)?) => {
        $crate::__select_internal!(@emit ($($c)*) (try () ($body)))
    };
    (@list ($($c:tt)*) () default($t:expr) => $body:block $(,)?) => {
        $crate::__select_internal!(@emit ($($c)*) (timeout ($t) ($body)))
    };
    (@list ($($c:tt)*) () default($t:expr) => $body:expr $(,)?) => {
        $crate::__select_internal!(@emit ($($c)*) (timeout ($t) ($body)))
    };
    (@list ($($c:tt)*) ()) => {
        $crate::__select_internal!(@emit ($($c)*) (block () ()))
    };

    // ---- emit ----
    (@emit ($($c:tt)*) ($mode:ident ($($t:expr)?) ($($dbody:expr)?))) => {{
        let mut __sel = $crate::channel::Select::new();
        $crate::__select_internal!(@register __sel $($c)*);
        let __oper = $crate::__select_internal!(@call __sel $mode ($($t)?));
        match __oper {
            ::core::option::Option::None => {
                $crate::__select_internal!(@default ($($dbody)?))
            }
            ::core::option::Option::Some(__oper) => {
                let __idx = __oper.index();
                $crate::__select_internal!(@dispatch __oper __idx (0usize) $($c)*)
            }
        }
    }};
    (@call $sel:ident try ()) => { $sel.try_select().ok() };
    (@call $sel:ident timeout ($t:expr)) => { $sel.select_timeout($t).ok() };
    (@call $sel:ident block ()) => { ::core::option::Option::Some($sel.select()) };
    (@default ($body:expr)) => { $body };
    (@default ()) => { ::core::unreachable!("select without default always selects") };

    (@register $sel:ident) => {};
    (@register $sel:ident [recv ($r:expr) ($res:pat) ($body:expr)] $($rest:tt)*) => {
        $sel.recv($crate::channel::__as_receiver(&$r));
        $crate::__select_internal!(@register $sel $($rest)*);
    };
    (@register $sel:ident [send ($s:expr, $m:expr) ($res:pat) ($body:expr)] $($rest:tt)*) => {
        $sel.send($crate::channel::__as_sender(&$s));
        $crate::__select_internal!(@register $sel $($rest)*);
    };

    (@dispatch $oper:ident $idx:ident ($k:expr)) => {
        ::core::unreachable!("select returned an unknown index")
    };
    (@dispatch $oper:ident $idx:ident ($k:expr) [recv ($r:expr) ($res:pat) ($body:expr)] $($rest:tt)*) => {
        if $idx == $k {
            let $res = $oper.recv($crate::channel::__as_receiver(&$r));
            $body
        } else {
            $crate::__select_internal!(@dispatch $oper $idx ($k + 1) $($rest)*)
        }
    };
    (@dispatch $oper:ident $idx:ident ($k:expr) [send ($s:expr, $m:expr) ($res:pat) ($body:expr)] $($rest:tt)*) => {
        if $idx == $k {
            let $res = $oper.send($crate::channel::__as_sender(&$s), $m);
            $body
        } else {
            $crate::__select_internal!(@dispatch $oper $idx ($k + 1) $($rest)*)
        }
    };
}
