//! The `select!` macro (crossbeam-channel's syntax).

/// Waits on several channel operations and runs the branch of the one that completes.
///
/// Cases: `recv(r) -> res => body`, `send(s, msg) -> res => body`, and at most one
/// `default => body` or `default() => body` (do not block; `default` runs only if there was
/// an instant during the check at which no case was ready: `Select::try_select`) or
/// `default(timeout) => body` (block at most `timeout`); trailing commas inside the parentheses are accepted, as in
/// crossbeam-channel. `res` is the operation's `Result`. When several cases are ready one is
/// picked uniformly at random ([`select_biased!`] picks the first). Each channel expression is
/// evaluated exactly once, before anything else, and may be a temporary (`recv(after(d))`);
/// a send's message expression is evaluated only if that case is selected.
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
        $crate::__select_internal!(@start fair $($tokens)*)
    };
}

/// As [`select!`], but when several cases are ready the first one listed wins, and a blocked
/// select registers its cases in the order listed (crossbeam-channel's `select_biased!`).
///
/// # Examples
/// ```
/// use portalis_primitives::channel::unbounded;
/// use portalis_primitives::select_biased;
///
/// let (s1, r1) = unbounded::<i32>();
/// let (s2, r2) = unbounded::<i32>();
/// s1.send(1).unwrap();
/// s2.send(2).unwrap();
/// let got = select_biased! {
///     recv(r1) -> m => m.unwrap(),
///     recv(r2) -> m => m.unwrap(),
/// };
/// assert_eq!(got, 1);
/// ```
#[macro_export]
macro_rules! select_biased {
    ($($tokens:tt)*) => {
        $crate::__select_internal!(@start biased $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_internal {
    // ---- the supply of binding names, one per case (written here once, so every use has the
    // same hygiene context) ----
    (@start $b:ident $($tokens:tt)*) => {
        $crate::__select_internal!(@list $b ()
            (__c0 __c1 __c2 __c3 __c4 __c5 __c6 __c7 __c8 __c9 __c10 __c11 __c12 __c13 __c14
             __c15 __c16 __c17 __c18 __c19 __c20 __c21 __c22 __c23 __c24 __c25 __c26 __c27
             __c28 __c29 __c30 __c31)
            $($tokens)*)
    };
    // ---- normalise cases into `[kind (handle) (msg?) (res) (body) id]`; `id` (from the
    // supply in `select!`) names the binding the handle expression is evaluated into, once ----
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) recv($r:expr $(,)?) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [recv ($r) () ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) recv($r:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [recv ($r) () ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) recv($r:expr $(,)?) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [recv ($r) () ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) recv($r:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__select_internal!(@list $b ($($c)* [recv ($r) () ($res) ($body) $id]) ($($ids)*))
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) send($s:expr, $m:expr $(,)?) -> $res:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [send ($s) ($m) ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) send($s:expr, $m:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [send ($s) ($m) ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr, $($rest:tt)*) => {
        $crate::__select_internal!(@list $b ($($c)* [send ($s) ($m) ($res) ($body) $id]) ($($ids)*) $($rest)*)
    };
    (@list $b:ident ($($c:tt)*) ($id:ident $($ids:ident)*) send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__select_internal!(@list $b ($($c)* [send ($s) ($m) ($res) ($body) $id]) ($($ids)*))
    };
    (@list $b:ident ($($c:tt)*) ($($ids:ident)*) default $(())? => $body:block $(,)?) => {
        $crate::__select_internal!(@emit $b ($($c)*) (try () ($body)))
    };
    (@list $b:ident ($($c:tt)*) ($($ids:ident)*) default $(())? => $body:expr $(,)?) => {
        $crate::__select_internal!(@emit $b ($($c)*) (try () ($body)))
    };
    (@list $b:ident ($($c:tt)*) ($($ids:ident)*) default($t:expr $(,)?) => $body:block $(,)?) => {
        $crate::__select_internal!(@emit $b ($($c)*) (timeout ($t) ($body)))
    };
    (@list $b:ident ($($c:tt)*) ($($ids:ident)*) default($t:expr $(,)?) => $body:expr $(,)?) => {
        $crate::__select_internal!(@emit $b ($($c)*) (timeout ($t) ($body)))
    };
    (@list $b:ident ($($c:tt)*) ($($ids:ident)*)) => {
        $crate::__select_internal!(@emit $b ($($c)*) (block () ()))
    };
    (@list $b:ident ($($c:tt)*) () $($rest:tt)+) => {
        ::core::compile_error!("select!: at most 32 cases")
    };

    // ---- emit ----
    (@emit $b:ident ($([$kind:ident ($h:expr) ($($m:expr)?) ($res:pat) ($body:expr) $id:ident])*)
        ($mode:ident ($($t:expr)?) ($($dbody:expr)?))) => {{
        // Each handle expression is evaluated exactly once; `let x = &temp;` keeps temporaries
        // such as `after(d)` or `c.tx()` alive for the whole select.
        $(let $id = &$h;)*
        let mut __sel = $crate::__select_internal!(@new $b);
        $($crate::__select_internal!(@register __sel $kind $id);)*
        let __oper = $crate::__select_internal!(@call __sel $mode ($($t)?));
        match __oper {
            ::core::option::Option::None => {
                $crate::__select_internal!(@default ($($dbody)?))
            }
            ::core::option::Option::Some(__oper) => {
                let __idx = __oper.index();
                $crate::__select_internal!(@dispatch __oper __idx (0usize)
                    $([$kind ($($m)?) ($res) ($body) $id])*)
            }
        }
    }};
    (@new fair) => { $crate::channel::Select::new() };
    (@new biased) => { $crate::channel::Select::new_biased() };
    (@call $sel:ident try ()) => { $sel.try_select().ok() };
    (@call $sel:ident timeout ($t:expr)) => { $sel.select_timeout($t).ok() };
    (@call $sel:ident block ()) => { ::core::option::Option::Some($sel.select()) };
    (@default ($body:expr)) => { $body };
    (@default ()) => { ::core::unreachable!("select without default always selects") };

    (@register $sel:ident recv $id:ident) => {
        $sel.recv($crate::channel::__as_receiver($id));
    };
    (@register $sel:ident send $id:ident) => {
        $sel.send($crate::channel::__as_sender($id));
    };

    (@dispatch $oper:ident $idx:ident ($k:expr)) => {
        ::core::unreachable!("select returned an unknown index")
    };
    (@dispatch $oper:ident $idx:ident ($k:expr) [recv () ($res:pat) ($body:expr) $id:ident] $($rest:tt)*) => {
        if $idx == $k {
            let $res = $oper.recv($crate::channel::__as_receiver($id));
            $body
        } else {
            $crate::__select_internal!(@dispatch $oper $idx ($k + 1) $($rest)*)
        }
    };
    (@dispatch $oper:ident $idx:ident ($k:expr) [send ($m:expr) ($res:pat) ($body:expr) $id:ident] $($rest:tt)*) => {
        if $idx == $k {
            let $res = $oper.send($crate::channel::__as_sender($id), $m);
            $body
        } else {
            $crate::__select_internal!(@dispatch $oper $idx ($k + 1) $($rest)*)
        }
    };
}
