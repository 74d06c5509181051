// JavaScript Promise Integration (JSPI) for the browser main thread: see futex/jspi.rs and
// docs/adr/110-jspi-suspending-wait.md. Loaded once per JS realm (each Web Worker has its own
// copy, never used there: only the page's main thread suspends).

// The tail of the run_blocking jobs of this realm: one suspendable call at a time, so the
// shadow stack (linear memory, one `__stack_pointer` global) is only ever unwound in LIFO order.
let tail = Promise.resolve();

/** `true` when this engine has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function portalis_jspi_supported() {
  return typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";
}

// The suspending wait, as a Promise: resolves 0 (woken), 1 (the word differed) or 2 (timed
// out). `ms < 0` = no timeout. Without `Atomics.waitAsync` it sleeps one short timer and
// reports a (spurious) wake-up: the Rust caller re-checks its word and its deadline.
function makeWait(memory) {
  return async (addr, expected, ms) => {
    if (typeof Atomics.waitAsync === "function") {
      // A fresh view on every call: `memory.grow` replaces the buffer.
      const view = new Int32Array(memory.buffer);
      const r = Atomics.waitAsync(view, addr >>> 2, expected, ms < 0 ? Infinity : ms);
      const v = r.async ? await r.value : r.value;
      return v === "ok" ? 0 : v === "not-equal" ? 1 : 2;
    }
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms < 0 ? 1 : Math.min(ms, 1)));
    return ms >= 0 && performance.now() - start >= ms ? 2 : 0;
  };
}

// A 52-byte helper module: it imports `e.w: (i32, i32, f64) -> i32` and exports `w`, a wasm
// function that calls it. The import is given as `new WebAssembly.Suspending(wait)`, and `w`
// is stored in the main module's function table, so Rust reaches the suspending import
// through `call_indirect` with no JavaScript frame between the promising export and it.
const HELPER = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7c, 0x01, 0x7f, // type 0: (i32 i32 f64) -> i32
  0x02, 0x07, 0x01, 0x01, 0x65, 0x01, 0x77, 0x00, 0x00, // import "e" "w" func type 0
  0x03, 0x02, 0x01, 0x00, // func 1: type 0
  0x07, 0x05, 0x01, 0x01, 0x77, 0x00, 0x01, // export "w" = func 1
  0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0x10, 0x00, 0x0b, // body
]);

/**
 * Installs the suspending wait at `slot` of `table` (this instance's function table, at the
 * index of a Rust placeholder of the same type): returns `slot`, or -1 without JSPI. Throws if
 * the table refuses it (the caller reports the reason).
 */
export function portalis_jspi_install(memory, table, slot) {
  if (!portalis_jspi_supported()) return -1;
  const imports = { e: { w: new WebAssembly.Suspending(makeWait(memory)) } };
  const helper = new WebAssembly.Instance(new WebAssembly.Module(HELPER), imports);
  table.set(slot, helper.exports.w);
  return slot;
}

/**
 * Queues one run_blocking job: once every earlier job of this realm has finished, calls the
 * raw export `__portalis_jspi_call(job, suspendable)` from a fresh JS task, wrapped with
 * `WebAssembly.promising` when `suspendable`. The Rust job settles the caller's promise itself;
 * `reject` catches a trap (the export's promise rejects, or the plain call throws).
 */
export function portalis_jspi_schedule(exports, job, suspendable, reject) {
  const raw = exports.__portalis_jspi_call;
  const run = () => {
    try {
      if (suspendable) return WebAssembly.promising(raw)(job, 1).then(undefined, reject);
      raw(job, 0);
    } catch (e) {
      reject(e);
    }
    return undefined;
  };
  tail = tail.then(run);
}
