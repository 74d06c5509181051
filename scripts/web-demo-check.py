#!/usr/bin/env python3
"""Loads the demo page in headless Chromium through chromedriver (W3C WebDriver over plain
HTTP, no client library), waits for window.__demo, checks it, saves a screenshot.

usage: web-demo-check.py URL EXPECT_MODE SCREENSHOT.png [--expect-error SUBSTRING]
Exit 0 when the page reached status "done" in EXPECT_MODE (or, with --expect-error, an
error containing SUBSTRING), 1 otherwise.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=820,760"]


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    url, expect_mode, shot = sys.argv[1], sys.argv[2], sys.argv[3]
    expect_error = sys.argv[sys.argv.index("--expect-error") + 1] if "--expect-error" in sys.argv else None
    port = free_port()
    profile = tempfile.mkdtemp(prefix="portalis-demo-")
    driver = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": FLAGS + [f"--user-data-dir={profile}"]}}}}
        sid = call(base, "POST", "/session", caps)["value"]["sessionId"]
        call(base, "POST", f"/session/{sid}/url", {"url": url})
        state = None
        deadline = time.time() + 90
        while time.time() < deadline:
            state = call(base, "POST", f"/session/{sid}/execute/sync",
                         {"script": "return window.__demo || null", "args": []})["value"]
            if state and state.get("status") not in (None, "starting"):
                break
            time.sleep(0.2)
        png = call(base, "GET", f"/session/{sid}/screenshot")["value"]
        os.makedirs(os.path.dirname(shot) or ".", exist_ok=True)
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        call(base, "DELETE", f"/session/{sid}")
    finally:
        driver.terminate()
        driver.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    print(f"web-demo-check: {url}: {json.dumps(state)} (screenshot {shot})")
    if expect_error is not None:
        ok = bool(state) and state.get("status") == "error" and expect_error in state.get("error", "")
    else:
        # "jspi": a blocking call on the page's main thread ran inside web::run_blocking, where
        # it can suspend (JSPI), and returned the worker's band.
        ok = bool(state) and state.get("status") == "done" and state.get("mode") == expect_mode \
            and state.get("checksum", 0) > 0 and state.get("jspi") == "can suspend"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
