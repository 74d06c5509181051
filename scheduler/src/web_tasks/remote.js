// Bootstrap of one message-passing (copy mode) Web Worker: see scheduler/src/web/remote.rs and
// docs/notes/browser.md §5. Inlined into the glue and handed out as a blob URL
// (`link_to!`), so no worker script is fetched. The worker instantiates its OWN copy of the
// module (no shared memory), reports the fingerprint of its task table, then runs calls one at
// a time, in arrival order, in batches: `{t:"portalis:calls", calls: [{id, name, input}]}` ->
// `{t:"portalis:rets", rets: [{id, ok, out | kind, err}]}`. A task that traps (a Rust panic: the build is panic=abort) poisons its
// instance, so the worker reports the panic and instantiates a fresh copy before the next call.
// Boot timeline (absolute ms: timeOrigin + now, comparable with the page's): script start,
// boot message received, glue imported, module instantiated. Sent with `ready` (ADR 117).
const now = () => performance.timeOrigin + performance.now();
const phases = [now()];
let boot = null;
let glue = null;
let loads = 0;
let queue = Promise.resolve();

async function load() {
  loads += 1;
  // A fresh glue module (and so a fresh instance) after a trap: a query makes the import new.
  const url = loads === 1 ? boot.glue : boot.glue + (boot.glue.includes("?") ? "&" : "?") + "portalis_reload=" + loads;
  glue = await import(url);
  if (loads === 1) phases.push(now());
  await glue.default({ module_or_path: boot.module });
  if (loads === 1) phases.push(now());
  if (typeof glue.__portalis_remote_dispatch !== "function") {
    throw new Error("this module has no task table: invoke portalis_scheduler::remote_tasks![...] in the binary");
  }
}

// Runs one batch of calls in order and replies once: `{t:"portalis:rets", rets:[...]}` with
// the output buffers transferred (ADR 117). A call that traps gets a panic reply; the instance
// is reloaded before the next call of the batch.
async function callBatch(calls) {
  const t0 = performance.now();
  const rets = [];
  const transfer = [];
  for (const d of calls) {
    try {
      const out = glue.__portalis_remote_dispatch(d.name, d.input);
      rets.push({ id: d.id, ok: true, out });
      transfer.push(out.buffer);
    } catch (e) {
      const msg = self.__portalis_last_panic || String(e && e.message || e);
      self.__portalis_last_panic = undefined;
      rets.push({ id: d.id, ok: false, kind: "panic", err: msg });
      try {
        await load();
      } catch (e2) {
        self.postMessage({ t: "portalis:rets", rets }, transfer);
        self.postMessage({ t: "portalis:error", message: "reload after a panic failed: " + String(e2 && e2.stack || e2) });
        self.close();
        return;
      }
    }
  }
  // busy: ms this batch took here (the perf table's split of where a call's time goes).
  self.postMessage({ t: "portalis:rets", rets, busy: performance.now() - t0 }, transfer);
}

self.addEventListener("message", (event) => {
  const d = event.data;
  if (!d || typeof d.t !== "string" || !d.t.startsWith("portalis:")) return; // not ours
  if (d.t === "portalis:rboot") {
    boot = d;
    phases.push(now());
    queue = queue.then(async () => {
      try {
        await load();
        self.postMessage({ t: "portalis:ready", fingerprint: glue.__portalis_remote_fingerprint(), phases });
      } catch (e) {
        self.postMessage({ t: "portalis:error", message: String(e && e.stack || e) });
        self.close();
      }
    });
  } else if (d.t === "portalis:calls") {
    queue = queue.then(() => callBatch(d.calls));
  } else if (d.t === "portalis:exit") {
    queue = queue.then(() => {
      self.postMessage({ t: "portalis:bye" });
      self.close();
    });
  }
});
