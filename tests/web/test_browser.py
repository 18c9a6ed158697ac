"""The explorer's page in a real browser: Debian's chromium driven by Playwright's sync API
against the live server (``live_server``, uvicorn on 127.0.0.1).

Each test checks values, not presence: the curve the page plotted against the formula computed
here, the streamed training's curves and boundary against their own ranges and the final table,
the shared link's state against the state that made it, the upload error against the server's
own answer. Every test also holds the page to: no console error, no uncaught exception, no
request outside the server (the page is offline: vendored scripts, no CDN)."""

from __future__ import annotations

import json
import math
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("playwright")

CHROMIUM = os.environ.get("ACTLAB_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"the browser tests drive Debian's chromium at {CHROMIUM}: apt-get install chromium",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright  # noqa: E402

#: the function panel's numbers come as 7 significant digits (the API's default for plotting),
#: x included: a plotted value agrees with the formula at the plotted x to a few units in the
#: 7th digit (|x f'/f| times the rounding of x, plus the rounding of f)
REL = 1e-5

READY = (
    "window.__explorer && window.__explorer.ready === true && !!window.__explorer.drawn.functions"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What a page did that it must not: console errors, uncaught exceptions, and requests
    to anywhere but the explorer's own server."""

    base: str
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    def request(self, req: Request) -> None:
        self.requests.append(req.url)
        if not (req.url.startswith(self.base + "/") or req.url.startswith("data:")):
            self.outside.append(req.url)

    def clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.outside, f"requests outside {self.base}: {self.outside}"


def open_page(
    browser: Browser, base: str, hash_: str = "", width: int = 1400
) -> tuple[Page, Watch]:
    page = browser.new_page(viewport={"width": width, "height": 1000})
    watch = Watch(base)
    page.on("console", watch.console)
    page.on("pageerror", lambda e: watch.errors.append(f"pageerror: {e}"))
    page.on("request", watch.request)
    page.goto(base + "/" + hash_)
    page.wait_for_function(READY, timeout=30_000)
    return page, watch


def state_hash(state: dict[str, Any]) -> str:
    """A link's hash for a partial state (the page fills the rest with its defaults)."""
    return "#s=" + quote(json.dumps(state, separators=(",", ":")))


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def plotted(page: Page, chart: str) -> dict[str, Any]:
    """What the uPlot chart in #chart holds now: its series labels and data (read back from
    the chart object itself, not from what the page meant to send it)."""
    return page.evaluate(
        """(id) => { const u = document.getElementById(id)._u;
            return {labels: u.series.slice(1).map(s => s.label), data: u.data}; }""",
        chart,
    )


def series(p: dict[str, Any], label: str) -> list[float | None]:
    return p["data"][1 + p["labels"].index(label)]


def move_slider(page: Page, selector: str, value: float) -> None:
    """Move a range input the way a drag does: set its value and fire `input`."""
    page.eval_on_selector(
        selector,
        "(e, v) => { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


@pytest.fixture
def base(live_server: str) -> str:
    return live_server


def test_page_loads_offline_with_the_whole_catalog(browser: Browser, base: str) -> None:
    page, watch = open_page(browser, base)
    catalog = get_json(base + "/api/catalog")
    names = sorted(a["name"] for a in catalog["activations"])
    shown = sorted(
        page.eval_on_selector_all("#fn-picker .pick", "bs => bs.map(b => b.dataset.name)")
    )
    assert shown == names  # every catalog activation is in the picker, none invented
    # the search narrows by name, alias or summary: an alias finds its activation
    aliased = next(a for a in catalog["activations"] if a["aliases"])
    page.fill("#fn-search", aliased["aliases"][0])
    hits = page.eval_on_selector_all("#fn-picker .pick", "bs => bs.map(b => b.dataset.name)")
    assert aliased["name"] in hits and len(hits) < len(names)
    # the default curves are the default activations, drawn from x_min to x_max
    p = plotted(page, "fn-chart")
    x = p["data"][0]
    assert x[0] == -6 and x[-1] == 6 and len(x) == 2000
    relu_f = series(p, "relu f")
    assert relu_f[0] == 0 and relu_f[-1] == 6
    # the card's formula is typeset by the vendored KaTeX (its HTML, not the raw TeX)
    page.wait_for_selector("#fn-latex .katex")
    assert all(u.startswith(base) for u in watch.requests if "vendor/" in u)
    assert any("vendor/katex-0.16.47/fonts/" in u for u in watch.requests)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    watch.clean()
    page.close()


@pytest.mark.parametrize(
    ("name", "param", "before", "after", "f"),
    [
        ("elu", "alpha", 1.0, 2.0, lambda x, a: x if x > 0 else a * math.expm1(x)),
        (
            "leaky_relu",
            "negative_slope",
            0.01,
            0.3,
            lambda x, a: x if x >= 0 else a * x,
        ),
    ],
)
def test_slider_moves_the_plotted_curve(
    browser: Browser, base: str, name: str, param: str, before: float, after: float, f: Any
) -> None:
    state = {"fn": {"acts": [{"name": name, "params": {param: before}}], "focus": name}}
    page, watch = open_page(browser, base, state_hash(state))
    p0 = plotted(page, "fn-chart")
    x = p0["data"][0]
    y0 = series(p0, f"{name} f")
    assert y0[0] == pytest.approx(f(x[0], before), rel=REL)
    move_slider(page, f"#fn-p-{name}-{param}", after)
    page.wait_for_function(
        f"window.__explorer.drawn.functions.params['{name}']['{param}'] === {after}"
    )
    p1 = plotted(page, "fn-chart")
    y1 = series(p1, f"{name} f")
    # on the negative side f scales with the parameter: the curve moved by exactly that much
    for i in (0, 100, 500):
        assert x[i] < 0
        assert y1[i] == pytest.approx(f(x[i], after), rel=REL)
        assert y1[i] - y0[i] == pytest.approx(f(x[i], after) - f(x[i], before), rel=4 * REL)
    # the positive side does not depend on it
    assert y1[-1] == y0[-1] == pytest.approx(6.0)
    # the number box follows the slider, and the link carries the new value
    assert float(page.input_value(f"[data-param-num='{param}']")) == after
    page.wait_for_function(
        "([k, v]) => location.hash.includes(encodeURIComponent(JSON.stringify(k) + ':' + v))",
        arg=[param, after],
    )
    watch.clean()
    page.close()


def test_adding_an_activation_adds_its_curves(browser: Browser, base: str) -> None:
    state = {"fn": {"acts": [{"name": "relu", "params": {}}], "focus": "relu"}}
    page, watch = open_page(browser, base, state_hash(state))
    before = plotted(page, "fn-chart")["labels"]
    assert before == ["relu f", "relu f′"]
    page.fill("#fn-search", "mish")
    page.click("#fn-picker .pick[data-name='mish']")
    page.wait_for_function("window.__explorer.drawn.functions.series.length === 4")
    p = plotted(page, "fn-chart")
    assert p["labels"] == ["relu f", "relu f′", "mish f", "mish f′"]
    x = p["data"][0]
    mish = series(p, "mish f")
    for i in (0, 999, 1999):
        want = x[i] * math.tanh(math.log1p(math.exp(x[i])))
        assert mish[i] == pytest.approx(want, rel=REL, abs=1e-12)
    # the new activation's colour is the same in the selected list and on the chart
    chip = page.eval_on_selector(
        "#fn-selected .sel[data-name='mish'] .sw", "e => getComputedStyle(e).backgroundColor"
    )
    stroke = page.evaluate(
        "document.getElementById('fn-chart')._u.series.find(s => s.label === 'mish f').stroke()"
    )
    r, g, b = (int(stroke[i : i + 2], 16) for i in (1, 3, 5))
    assert chip == f"rgb({r}, {g}, {b})"
    # the card now shows mish, with its facts from the API
    page.wait_for_function(
        "window.__explorer.drawn.card && window.__explorer.drawn.card.name === 'mish'"
    )
    card = get_json(base + "/api/activation/mish?params=%7B%7D")
    assert page.inner_text("#fn-card h2") == "mish"
    facts = page.inner_text("#fn-facts")
    assert card["facts"]["range"] in facts and card["facts"]["init"]["scheme"] in facts
    assert f"{card['facts']['gain']:.5g}" in facts  # the exact gain, to 5 digits
    watch.clean()
    page.close()


def test_bad_csv_shows_the_servers_error(browser: Browser, base: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,2,x\n3,oops,y\n")
    page, watch = open_page(browser, base, state_hash({"tab": "train"}))
    page.fill("#train-target", "nope")
    page.set_input_files("#train-upload", str(bad))
    page.wait_for_function("document.getElementById('upload-error').textContent.length > 0")
    shown = page.inner_text("#upload-error")
    # the page shows exactly the server's one-line answer to the same file
    import httpx

    r = httpx.post(
        base + "/api/upload",
        files={"file": ("bad.csv", bad.read_bytes(), "text/csv")},
        data={"target": "nope"},
    )
    assert 400 <= r.status_code < 500
    assert shown == r.json()["detail"]
    assert "nope" in shown
    # and the page kept its dataset: a failed upload does not replace it
    assert page.evaluate("window.__explorer.state.train.upload") is None
    # a failed upload is a 4xx the page handled: its console line is the browser's, not ours
    watch.errors = [e for e in watch.errors if "/api/upload" not in e]
    watch.clean()
    page.close()


def test_share_link_restores_the_state(browser: Browser, base: str) -> None:
    page, watch = open_page(browser, base)
    # change something on every panel, through the controls
    page.fill("#fn-search", "elu")
    page.click("#fn-picker .pick[data-name='elu']")
    page.wait_for_selector("#fn-p-elu-alpha")
    move_slider(page, "#fn-p-elu-alpha", 1.5)
    page.check("#fn-show-d2f")
    page.click("#tab-train")
    page.click(".tile[data-dataset='circle']")
    move_slider(page, "#train-seeds", 4)
    page.fill("#train-steps", "250")
    page.dispatch_event("#train-steps", "change")
    page.click("#train-layer-add")
    page.select_option("#train-act-add", "silu")
    page.click("#train-act-add-btn")
    page.click("#tab-advisor")
    page.select_option("#adv-arch", "cnn")
    page.click("#tab-share")
    page.wait_for_timeout(200)  # the hash is written after a short debounce
    url = page.input_value("#share-url")
    assert url == page.evaluate("location.href")
    want = page.evaluate("JSON.stringify(window.__explorer.state)")
    state = json.loads(want)
    assert state["fn"]["acts"][-1] == {"name": "elu", "params": {"alpha": 1.5}}
    assert state["train"]["dataset"] == "circle" and state["train"]["seeds"] == 4
    assert state["train"]["steps"] == 250 and len(state["train"]["widths"]) == 3
    assert state["train"]["activations"][-1] == "silu"
    assert state["advisor"]["architecture"] == "cnn" and state["tab"] == "share"
    watch.clean()
    page.close()

    # a fresh page from the link alone: the same state, and the controls show it
    page2, watch2 = open_page(browser, base, url[len(base) + 1 :])
    assert json.loads(page2.evaluate("JSON.stringify(window.__explorer.state)")) == state
    assert not page2.is_hidden("#panel-share")
    assert float(page2.input_value("#fn-p-elu-alpha")) == 1.5
    assert page2.is_checked("#fn-show-d2f")
    p = plotted(page2, "fn-chart")
    assert "elu f″" in p["labels"]
    x0 = p["data"][0][0]
    assert series(p, "elu f")[0] == pytest.approx(1.5 * math.expm1(x0), rel=REL)
    assert page2.input_value("#train-seeds") == "4"
    assert page2.input_value("#train-steps") == "250"
    assert page2.eval_on_selector_all(".tile.on", "ts => ts.map(t => t.dataset.dataset)") == [
        "circle"
    ]
    assert (
        page2.eval_on_selector_all("#train-acts .chip", "cs => cs.map(c => c.dataset.act)")
        == state["train"]["activations"]
    )
    assert page2.input_value("#adv-arch") == "cnn"
    # the code export is for the restored network
    page2.wait_for_function("window.__explorer.drawn.code")
    cli = page2.evaluate("window.__explorer.drawn.code.cli")
    assert "circle" in cli and "silu" in cli
    watch2.clean()
    page2.close()


@pytest.mark.slow
def test_two_seed_training_on_xor_streams_curves_boundary_and_table(
    browser: Browser, base: str
) -> None:
    state = {
        "tab": "train",
        "train": {
            "dataset": "xor",
            "activations": ["relu", "tanh"],
            "widths": [8, 8],
            "seeds": 2,
            "steps": 200,
            "lr": 0.03,
        },
    }
    page, watch = open_page(browser, base, state_hash(state))
    page.click("#train-play")
    assert page.inner_text("#train-play").startswith("■")  # play became stop
    page.wait_for_function(
        "window.__explorer.train && window.__explorer.train.counts.progress > 0", timeout=60_000
    )
    page.wait_for_function("window.__explorer.train.counts.done === 1", timeout=240_000)
    t = page.evaluate("window.__explorer.train")
    assert t["counts"]["start"] == 2 and "error" not in t["counts"]
    # the loss curves: both activations, mean inside its seed band, steps up to the last
    p = plotted(page, "train-loss-chart")
    for act in ("relu", "tanh"):
        mean = series(p, f"{act} train_loss")
        lo = series(p, f"{act} train_loss lo")
        hi = series(p, f"{act} train_loss hi")
        pts = [(m, a, b) for m, a, b in zip(mean, lo, hi, strict=True) if m is not None]
        assert len(pts) >= 3
        assert all(a <= m + 1e-12 and m <= b + 1e-12 for m, a, b in pts)
    assert max(p["data"][0]) == 200
    m = plotted(page, "train-metric-chart")
    acc = [v for v in series(m, "tanh val_metric") if v is not None]
    assert acc and all(0 <= v <= 1 for v in acc)
    # the boundary: a probability map over the data's square, with the data on it
    bnd = page.evaluate("window.__explorer.drawn.boundary")
    assert bnd["nx"] >= 10 and bnd["ny"] >= 10 and bnd["points"] > 0
    assert 0 <= bnd["zmin"] < bnd["zmax"] <= 1
    # the canvas really shows it: its pixels are not one colour
    spread = page.evaluate(
        """() => { const c = document.getElementById('train-boundary');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
            return seen.size; }"""
    )
    assert spread > 20
    # the final table: one row per activation, as the server ranked them
    done = t["last"]["done"]
    assert len(done["rows"]) == 2
    table = page.inner_text("#train-results")
    assert "relu" in table and "tanh" in table
    link = page.get_attribute("#train-report-link", "href")
    assert link == done["report"] and link.startswith("/api/report/")
    assert page.inner_text("#train-play").startswith("▶")
    # the report opens from the link, offline too: it names the study's activations
    page.goto(base + link)
    body = page.inner_text("body")
    assert "relu" in body and "tanh" in body
    # (the report is the lab's page: it declares no icon, so the browser asks for the
    # server's /favicon.ico — on 127.0.0.1, which the outside check above still covers)
    watch.errors = [e for e in watch.errors if "/favicon.ico" not in e]
    watch.clean()
    page.close()


def test_a_diverging_training_raises_the_alarm_with_why(browser: Browser, base: str) -> None:
    state = {
        "tab": "train",
        "train": {
            "dataset": "reg-plane",
            "activations": ["relu"],
            "widths": [32, 32],
            "seeds": 2,
            "steps": 40,
            "optimizer": "sgd",
            "lr": 10,
        },
    }
    page, watch = open_page(browser, base, state_hash(state))
    assert page.is_hidden("#train-alarm")
    page.click("#train-play")
    page.wait_for_function(
        "window.__explorer.train && window.__explorer.train.counts.done === 1", timeout=120_000
    )
    t = page.evaluate("window.__explorer.train")
    assert t["counts"].get("diverged", 0) >= 1
    events = [d for e, d in t["log"] if e == "diverged"]
    alarm = page.inner_text("#train-alarm")
    assert page.is_visible("#train-alarm") and "diverged" in alarm.lower()
    # every diverged seed is named with its step, and the server's reason is shown in words
    for d in events:
        assert f"seed {d['seed']} at step {d['step']}" in alarm
    assert events[0]["why"] in alarm
    # the table keeps the diverged run as a result: its seeds column says how many diverged
    row = t["last"]["done"]["rows"][0]
    assert row["diverged"] >= 1 and row["seeds"] in page.inner_text("#train-results")
    watch.clean()
    page.close()


def test_a_formula_becomes_a_plotted_activation_and_travels_in_the_link(
    browser: Browser, base: str
) -> None:
    page, watch = open_page(browser, base)
    page.click("#fn-define summary")
    page.fill("#fn-define-name", "mine_pw")
    page.fill("#fn-define-formula", "x*sigmoid(2*x)")
    page.click("#fn-define-btn")
    page.wait_for_function("window.__explorer.drawn.functions.series.includes('mine_pw f')")
    p = plotted(page, "fn-chart")
    x = p["data"][0]
    mine = series(p, "mine_pw f")
    for i in (0, 700, 1999):
        assert mine[i] == pytest.approx(x[i] / (1 + math.exp(-2 * x[i])), rel=REL)
    # the safe parser's refusal is shown as the server words it
    page.fill("#fn-define-formula", "x*__import__(2)")
    page.click("#fn-define-btn")
    page.wait_for_selector("#fn-define-error:not([hidden])")
    shown = page.inner_text("#fn-define-error")
    assert "unknown function '__import__'" in shown
    watch.errors = [e for e in watch.errors if "status of 422" not in e]
    watch.clean()
    page.wait_for_timeout(200)
    url = page.evaluate("location.href")
    page.close()
    # the link carries the formula: a new page has the curve again
    page2, watch2 = open_page(browser, base, url[len(base) + 1 :])
    assert series(plotted(page2, "fn-chart"), "mine_pw f")[0] == pytest.approx(mine[0], rel=REL)
    watch2.clean()
    page2.close()


def test_stop_cancels_the_training_on_the_server(browser: Browser, base: str) -> None:
    state = {
        "tab": "train",
        "train": {"dataset": "spiral", "activations": ["tanh"], "seeds": 3, "steps": 5000},
    }
    page, watch = open_page(browser, base, state_hash(state))
    page.click("#train-play")
    page.wait_for_function("window.__explorer.train.counts.progress > 0", timeout=60_000)
    page.click("#train-play")  # now the stop button
    # the server confirms on the stream: the job ended cancelled, not done
    page.wait_for_function("window.__explorer.train.counts.cancelled === 1", timeout=30_000)
    t = page.evaluate("window.__explorer.train")
    assert t["cancel"]["job"] and "done" not in t["counts"]
    assert page.inner_text("#train-play").startswith("▶")
    assert page.inner_text("#train-progress") == "stopped during tanh"
    # no more events reach the page after the stop
    n = page.evaluate("window.__explorer.train.counts.progress")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__explorer.train.counts.progress") == n
    watch.clean()
    page.close()


def test_depth_card_and_a_click_on_the_phase_diagram(browser: Browser, base: str) -> None:
    body = {"activation": "tanh", "params": {}, "init": "xavier", "sigma_b2": 0.0, "depth": 30}
    state = {"tab": "depth", "depth": {"activation": "tanh", "init": "xavier", "depth": 30}}
    page, watch = open_page(browser, base, state_hash(state))
    page.wait_for_function(
        "window.__explorer.drawn.meanfield && window.__explorer.drawn.meanfield.phase",
        timeout=120_000,
    )
    import httpx

    mf = httpx.post(base + "/api/meanfield", json={**body, "phase": False}, timeout=60).json()
    card = page.inner_text("#depth-facts")
    assert f"{mf['chi']:.4g}" in card and f"{mf['gain']:.5g}" in card
    # the variance through the stack is the server's, layer by layer
    drawn = page.evaluate("window.__explorer.drawn.meanfield.layers.variance")
    assert drawn == pytest.approx(mf["layers"]["variance"], rel=1e-12)
    # click the grid point nearest (σ_w², σ_b²) = (3, 0.1): the point moves there and the card's
    # χ₁ is the phase grid's value at that point (two requests computing one quantity)
    ph = page.evaluate("window.__explorer.drawn.meanfield.phase")
    iw = min(range(len(ph["sigma_w2"])), key=lambda i: abs(ph["sigma_w2"][i] - 3.0))
    ib = min(range(len(ph["sigma_b2"])), key=lambda i: abs(ph["sigma_b2"][i] - 0.1))
    w, b = ph["sigma_w2"][iw], ph["sigma_b2"][ib]
    assert b > 0  # a point inside the diagram, not on its edge
    geo = page.evaluate("window.__explorer.drawn.phase")
    x0, x1, y0, y1 = geo["extent"]
    r = geo["rect"]
    px = r["x"] + (w - x0) / (x1 - x0) * r["w"]
    py = r["y"] + r["h"] - (b - y0) / (y1 - y0) * r["h"]
    box = page.eval_on_selector(
        "#depth-phase",
        "c => { const b = c.getBoundingClientRect(); return [b.left, b.top, b.width / c.width]; }",
    )
    page.mouse.click(box[0] + px * box[2], box[1] + py * box[2])
    page.wait_for_function(
        "window.__explorer.state.depth.custom && window.__explorer.drawn.phase.point.sigma_w2 !== 1"
    )
    point = page.evaluate("window.__explorer.drawn.phase.point")
    pixel_w = (x1 - x0) / r["w"] * 1.5 / box[2]  # a click is good to about a pixel
    pixel_b = (y1 - y0) / r["h"] * 1.5 / box[2]
    assert point["sigma_w2"] == pytest.approx(w, abs=max(pixel_w, 0.01))
    assert point["sigma_b2"] == pytest.approx(b, abs=max(pixel_b, 0.001))
    grid_chi = ph["chi"][ib][iw]
    chi = page.evaluate("window.__explorer.drawn.phase.chi")
    # the click lands within a pixel of the grid point: χ₁ is smooth there
    assert chi == pytest.approx(grid_chi, rel=0.02)
    assert chi != pytest.approx(mf["chi"], rel=0.02)  # and it did move from the init's point
    watch.clean()
    page.close()


def test_the_advisor_answers_as_the_library_does(browser: Browser, base: str) -> None:
    import actlab

    page, watch = open_page(browser, base, state_hash({"tab": "advisor"}))
    page.select_option("#adv-layer", "output")
    page.select_option("#adv-task", "multiclass")
    page.select_option("#adv-arch", "mlp")
    page.fill("#adv-depth", "4")
    page.click("#advisor-form button[type=submit]")
    want = actlab.recommend(layer="output", task="multiclass", architecture="mlp", depth=4)
    page.wait_for_function(
        "n => document.getElementById('adv-activation')?.textContent === n",
        arg=want.activation.name,
    )
    reasons = page.eval_on_selector_all("#adv-reasons li", "ls => ls.map(l => l.textContent)")
    assert reasons == list(want.reasons)
    assert want.loss.split(" (")[0] in page.inner_text("#adv-result")
    # a symptom changes the advice the way the library's rules do
    page.select_option("#adv-layer", "hidden")
    page.check("#adv-symptoms input[value=dead_units]")
    page.click("#advisor-form button[type=submit]")
    hidden = actlab.recommend(layer="hidden", architecture="mlp", depth=4, symptoms=["dead_units"])
    page.wait_for_function(
        "n => document.getElementById('adv-activation')?.textContent === n",
        arg=hidden.activation.name,
    )
    assert page.evaluate("window.__explorer.state.advisor.symptoms") == ["dead_units"]
    watch.clean()
    page.close()


def test_a_good_csv_is_previewed_and_trained_on(
    browser: Browser, base: str, tmp_path: Path
) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (120, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    good = tmp_path / "quadrants.csv"
    rows = "".join(f"{a:.4f},{b:.4f},{c}\n" for (a, b), c in zip(X, y, strict=True))
    good.write_text("u,v,label\n" + rows)
    state = {"tab": "train", "train": {"activations": ["tanh"], "seeds": 1, "steps": 40}}
    page, watch = open_page(browser, base, state_hash(state))
    page.set_input_files("#train-upload", str(good))
    page.wait_for_function("window.__explorer.state.train.upload")
    info = page.inner_text("#upload-info")
    assert "120 rows" in info and "2 features" in info and "“label”" in info and "binary" in info
    assert page.inner_text("#upload-error") == ""
    page.click("#train-play")
    page.wait_for_function("window.__explorer.train.counts.done === 1", timeout=120_000)
    done = page.evaluate("window.__explorer.train.last.done")
    assert done["rows"][0]["label"] == "tanh" and done["rows"][0]["n"] == 1
    # the boundary is drawn over the uploaded points themselves
    shown = page.evaluate("window.__explorer.train.last.progress.boundary.points.X.length")
    assert 0 < shown <= 120
    watch.clean()
    page.close()
