#!/usr/bin/env python3
"""Static server for the browser demo and tests (127.0.0.1 only).

usage: web-demo-server.py ROOT PORT [--isolated] [--csp-no-blob]
  --isolated     send COOP same-origin + COEP require-corp (cross-origin isolated page)
  --csp-no-blob  send a Content-Security-Policy whose worker-src forbids blob: workers
Every response is no-store; .wasm is application/wasm, .js text/javascript.
"""
import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".html": "text/html",
    }

    def __init__(self, *args, isolated=False, csp_no_blob=False, **kwargs):
        self.isolated = isolated
        self.csp_no_blob = csp_no_blob
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        if self.isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        if self.csp_no_blob:
            self.send_header(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; worker-src 'self'",
            )
        super().end_headers()

    def log_message(self, fmt, *args):  # quiet: the test prints what matters
        pass


def main():
    root, port = sys.argv[1], int(sys.argv[2])
    handler = functools.partial(
        Handler,
        directory=root,
        isolated="--isolated" in sys.argv,
        csp_no_blob="--csp-no-blob" in sys.argv,
    )
    http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()


if __name__ == "__main__":
    main()
