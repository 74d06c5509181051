// Bootstrap of one shared-memory Web Worker (see scheduler/src/web/mod.rs and
// docs/notes/browser.md §1). wasm-bindgen inlines this file into the glue and hands it
// out as a blob URL (`link_to!`), so no worker script is fetched. The worker receives the
// compiled module and the page's shared memory, instantiates the glue on them (getting its
// own stack and TLS), reports ready, runs one boxed Rust closure (for a pool worker: the
// reservoir loop of threads.rs, which returns on shutdown) and exits.
self.addEventListener("message", async function boot(event) {
  const d = event.data;
  if (!d || d.t !== "portalis:boot") return; // not ours (e.g. a test runner's console relay)
  self.removeEventListener("message", boot);
  let wasm, glue;
  let entered = false;
  try {
    // Absolute URL: a blob worker has no base for relative imports.
    glue = await import(d.glue);
    const init = { module_or_path: d.module, memory: d.memory };
    if (d.stack) init.thread_stack_size = d.stack; // else the glue's default (2 MiB)
    wasm = await glue.default(init);
    self.postMessage({ t: "portalis:ready" });
    // Enters Rust; returns once the closure has run and signalled completion.
    entered = true;
    glue.portalis_web_worker_entry(d.work);
  } catch (e) {
    const message = String(e && e.stack || e);
    if (entered) {
      // The closure trapped (a panic aborts: panic=abort). The instance's Rust state is
      // intact: let it hand its work to a replacement and reject awaited calls (ADR 115),
      // then tell the creator, which boots the replacement. The stack and TLS are not freed
      // here: jobs this worker pushed may still be stolen and write to frames on that stack.
      // Rust frees them once nothing can (ADR 123); it needs their addresses, and the
      // creator's `portalis:died` handler, which runs only after this call returned.
      const word = (g) => (g && typeof g.value === "number" ? g.value >>> 0 : 0);
      const tls = word(wasm && wasm.__tls_base);
      const stack = word(wasm && wasm.__stack_alloc);
      try { glue.portalis_web_worker_died(message, tls, stack); } catch (_) { /* reported below anyway */ }
      self.postMessage({ t: "portalis:died", message });
      self.close();
      return;
    }
    self.postMessage({ t: "portalis:error", message });
    return;
  }
  // Frees this thread's stack and TLS block; must be the last call into the instance.
  if (wasm && typeof wasm.__wbindgen_thread_destroy === "function") {
    wasm.__wbindgen_thread_destroy();
  }
  self.postMessage({ t: "portalis:bye" });
  self.close();
});
