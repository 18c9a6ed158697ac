"""One PNG per panel of the explorer (``make screenshots``), for a reviewer to look at.

Starts ``actlab serve``'s app on 127.0.0.1 (a free port, a temporary results store), drives
Debian's chromium through Playwright into a representative state per panel — the Train panel
runs a real 3-seed training and waits for its table — writes ``screenshots/<panel>.png``
(1400 px wide by default, the whole page) and stops the server.

    python tools/screenshots.py                 # screenshots/*.png at 1400 px
    python tools/screenshots.py --width 1024 --out /tmp/shots
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
READY = "window.__explorer && window.__explorer.ready === true"

#: each panel's state (a partial page state: the page fills the rest with its defaults) and
#: what to wait for before the picture
PANELS: dict[str, tuple[dict[str, Any], str]] = {
    "functions": (
        {
            "tab": "functions",
            "fn": {
                "acts": [
                    {"name": "relu", "params": {}},
                    {"name": "gelu", "params": {}},
                    {"name": "elu", "params": {"alpha": 1.5}},
                    {"name": "tanh", "params": {}},
                ],
                "focus": "elu",
                "x_min": -5,
                "x_max": 5,
            },
        },
        "window.__explorer.drawn.functions && window.__explorer.drawn.card"
        " && window.__explorer.drawn.card.name === 'elu'",
    ),
    "depth": (
        {"tab": "depth", "depth": {"activation": "tanh", "init": "xavier", "depth": 60}},
        "window.__explorer.drawn.meanfield && window.__explorer.drawn.histograms",
    ),
    "train": (
        {
            "tab": "train",
            "train": {
                "dataset": "spiral",
                "activations": ["relu", "tanh", "gelu"],
                "widths": [16, 16, 16],
                "seeds": 3,
                "steps": 600,
                "lr": 0.01,
                "noise": 0.05,
            },
        },
        "window.__explorer.train && window.__explorer.train.counts.done === 1",
    ),
    "advisor": (
        {
            "tab": "advisor",
            "advisor": {
                "layer": "hidden",
                "architecture": "mlp",
                "depth": 20,
                "symptoms": ["dead_units"],
            },
        },
        "window.__explorer.drawn.advice",
    ),
    "share": (
        {"tab": "share", "train": {"dataset": "moons", "activations": ["relu", "silu"]}},
        "window.__explorer.drawn.code",
    ),
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(store: Path) -> tuple[Any, threading.Thread, str]:
    """The explorer on 127.0.0.1 in a thread: (server, thread, base URL)."""
    import uvicorn

    from actlab.web import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(store_path=store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="actlab-screenshots", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise SystemExit(f"screenshots: the explorer did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("screenshots"))
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--panels", default=",".join(PANELS), help="comma list of panels")
    args = ap.parse_args(argv)
    panels = [p.strip() for p in args.panels.split(",") if p.strip()]
    unknown = [p for p in panels if p not in PANELS]
    if unknown:
        print(f"screenshots: unknown panel {unknown[0]!r}; allowed: {', '.join(PANELS)}")
        return 1
    if not Path(CHROMIUM).exists():
        print(f"screenshots: needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
        return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("screenshots: needs playwright: pip install 'actlab[webtest]'")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, thread, base = serve(Path(tmp) / "actlab.db")
        problems: list[str] = []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                for name in panels:
                    state, ready = PANELS[name]
                    page = browser.new_page(viewport={"width": args.width, "height": 900})
                    page.on(
                        "console",
                        lambda m, n=name: (
                            problems.append(f"{n}: {m.text}") if m.type == "error" else None
                        ),
                    )
                    page.goto(f"{base}/#s={quote(json.dumps(state, separators=(',', ':')))}")
                    page.wait_for_function(READY, timeout=60_000)
                    if name == "train":
                        page.click("#train-play")
                    page.wait_for_function(ready, timeout=300_000)
                    page.evaluate("window.scrollTo(0, 0)")  # the sticky header at the top
                    page.wait_for_timeout(400)  # the last frame and the fonts
                    path = args.out / f"{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    note = "" if wide <= args.width else f"  (scrolls sideways: {wide} px)"
                    print(f"{path}{note}")
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    for line in problems:
        print(f"console error: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
