"""Explorer latency: the function panel's request (10 activations × 2 000 points: f, f', f'')
answered over HTTP by a live server (uvicorn on 127.0.0.1), against its peer — the library
computing the same numbers in-process, in the same run — and the time from ``POST /api/train``
to the first ``progress`` event of a 2-seed xor training. Targets (issue 16): < 50 ms and < 1 s.

Run: python bench/web_latency.py  (figures, not pass/fail; the machine's load shows in them)
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ACTS = ["relu", "gelu", "silu", "tanh", "sigmoid", "elu", "mish", "softplus", "leaky_relu", "selu"]
ROUNDS = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import httpx
    import uvicorn

    import actlab
    from actlab._analysis._measure import second_derivative
    from actlab.web import create_app

    store = Path(tempfile.mkdtemp(prefix="actlab-bench-")) / "actlab.db"
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store_path=store), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    body = {"activations": [{"name": n} for n in ACTS], "x_min": -6, "x_max": 6, "points": 2000}
    acts = [actlab.get(n) for n in ACTS]
    x = np.linspace(-6, 6, 2000)
    try:
        with httpx.Client(base_url=base, timeout=60) as c:
            for _ in range(3):  # warm: caches (kinks, saturation), torch's first calls
                c.post("/api/functions", json=body).raise_for_status()
            panel = {}
            for second in (False, True):  # the page asks for f'' only when it is shown
                req = {**body, "second": second}
                api, lib, size = [], [], 0
                for _ in range(ROUNDS):  # interleaved: load that drifts hits both alike
                    t = time.perf_counter()
                    r = c.post("/api/functions", json=req)
                    api.append(time.perf_counter() - t)
                    size = len(r.content)
                    t = time.perf_counter()
                    for a in acts:
                        a(x), a.derivative(x)
                        if second:
                            second_derivative(a, x)
                    lib.append(time.perf_counter() - t)
                panel[second] = (
                    statistics.median(api) * 1e3,
                    min(api) * 1e3,
                    statistics.median(lib) * 1e3,
                    size,
                )
            first = []
            train = {
                "dataset": "xor",
                "activations": ["relu"],
                "seeds": 2,
                "steps": 40,
                "eval_every": 20,
            }
            for _ in range(5):
                t = time.perf_counter()
                job = c.post("/api/train", json=train).json()
                with c.stream("GET", job["events"]) as s:
                    got = None
                    for line in s.iter_lines():
                        if line == "event: progress" and got is None:
                            got = time.perf_counter() - t
                        if line.startswith("event: done") or line.startswith("event: error"):
                            break
                first.append(got if got is not None else float("nan"))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"explorer latency (load average {load:.1f} on {os.cpu_count()} cores)")
    for second, (api_ms, api_min, lib_ms, size) in panel.items():
        what = "f, f', f''" if second else "f, f'"
        print(
            f"  function panel, 10 activations × 2000 points ({what}), over HTTP: median "
            f"{api_ms:.1f} ms (min {api_min:.1f}), {size / 1e6:.2f} MB JSON — target < 50 ms; "
            f"peer, the library alone on the same numbers: {lib_ms:.1f} ms "
            f"(the request costs {api_ms / lib_ms:.1f}× the library's time)"
        )
    print(
        f"  first progress event of a 2-seed xor training: median "
        f"{statistics.median(first) * 1e3:.0f} ms (max {max(first) * 1e3:.0f}) — target < 1 s"
    )
    print(
        json.dumps(
            {
                "functions_ms": panel[False][0],
                "functions_d2_ms": panel[True][0],
                "library_ms": panel[False][2],
                "first_progress_ms": statistics.median(first) * 1e3,
            }
        )
    )


if __name__ == "__main__":
    main()
