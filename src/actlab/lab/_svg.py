"""The report's figures as compact inline SVG, drawn straight from the numbers.

A figure costs milliseconds whatever the study's size (matplotlib took about 0.5 s each, so a
report of many datasets took minutes), scales with the page (a ``viewBox``, no fixed width: no
horizontal scroll at any window width), and every line carries its label as a tooltip. Line
panels (linear or log y, integer x for layers, a band, a reference line) and image tiles (a
decision region or a predicted surface as an embedded PNG, the data points on top, a colour
bar) are all the report draws.
"""

from __future__ import annotations

import base64
import html
import itertools
import math
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

FONT = "font-family='system-ui,sans-serif'"
GRID = "#e4e4e4"
INK = "#333"
# matplotlib's viridis at nine evenly spaced points (the colour of a predicted value)
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
           "#addc30", "#fde725")  # fmt: skip
# class colours: the region (light) and its points (strong), matplotlib's tab10 hues
CLASSES = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
POINTS_MAX = 400  # data points drawn on a tile: an evenly spaced subset beyond this
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass
class Series:
    """One line: (x, y), an optional band (lo, hi) around it, markers or steps."""

    label: str
    colour: str
    x: np.ndarray
    y: np.ndarray
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    markers: bool = False
    step: bool = False  # a step function (value held until the next x), like where="post"
    dash: bool = False  # a dashed line (a second measure of the same configuration)


@dataclass
class Panel:
    """One set of axes."""

    title: str
    xlabel: str
    ylabel: str
    series: list[Series] = field(default_factory=list)
    ylog: bool = False
    ylim: tuple[float, float] | None = None  # default: the data's range
    xint: bool = False  # integer ticks only (layers)
    hline: float | None = None  # a dashed reference line (a warning level), where in view


@dataclass
class Tile:
    """One image panel: ``rgb`` (rows top to bottom) spanning ``extent`` (x0, x1, y0, y1),
    points (x, y, colour) drawn on top."""

    title: str
    title_colour: str
    rgb: np.ndarray
    extent: tuple[float, float, float, float]
    points: list[tuple[float, float, str]] = field(default_factory=list)


# ---------------------------------------------------------------------- ticks


def _nice(raw: float) -> float:
    """The step of 1, 2, 2.5 or 5 × 10^k nearest above ``raw``."""
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    return float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9)))


def linear_ticks(lo: float, hi: float, n: int = 5, integer: bool = False) -> list[float]:
    """About ``n`` round values covering [lo, hi] (integers only with ``integer``)."""
    step = _nice((hi - lo) / max(n - 1, 1))
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.floor(lo / step + 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-9:
        if v >= lo - step * 1e-9:
            out.append(round(v, 12))
        v += step
    return out or [lo]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi]; with 2 and 5 × 10^k as well when it spans under two
    decades (so at least two ticks show); every other power when it spans many."""
    a, b = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    inside = [10.0**k for k in range(a, b + 1) if lo * (1 - 1e-9) <= 10.0**k <= hi * (1 + 1e-9)]
    if math.log10(hi / lo) < 2 or len(inside) < 2:
        vals = [m * 10.0**k for k in range(a, b + 1) for m in (1, 2, 5)]
        vals = [v for v in vals if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]
        return vals if len(vals) >= 2 else linear_ticks(lo, hi, 4)  # a narrow span
    every = max(1, math.ceil(len(inside) / 7))
    return inside[::every]


def tick_label(v: float, log: bool = False) -> str:
    """A tick's text: 10⁻³ (or 2·10⁻³) on a log axis outside 0.01–100, else up to 3
    significant digits."""
    if log and v > 0:
        k = math.floor(math.log10(v) + 1e-9)
        m = v / 10.0**k
        if (k < -2 or k > 2) and abs(m - round(m)) < 1e-6:
            power = {1: "10"}.get(k, "10" + str(k).translate(_SUPERSCRIPT))
            return power if round(m) == 1 else f"{round(m)}·{power}"
    if v == 0:
        return "0"
    return f"{v:.3g}".replace("-", "−")


def _range(values: list[np.ndarray], log: bool) -> tuple[float, float]:
    vals = np.concatenate([np.asarray(v, float).ravel() for v in values] or [np.zeros(0)])
    vals = vals[np.isfinite(vals) & ((vals > 0) if log else True)]
    if not len(vals):
        return (0.1, 1.0) if log else (0.0, 1.0)
    lo, hi = float(vals.min()), float(vals.max())
    if log:
        if hi <= lo * 1.0001:
            return lo / 2, hi * 2
        pad = (math.log10(hi) - math.log10(lo)) * 0.05
        return 10 ** (math.log10(lo) - pad), 10 ** (math.log10(hi) + pad)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


# ---------------------------------------------------------------------- line panels


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _segments(px: np.ndarray, py: np.ndarray) -> list[list[tuple[float, float]]]:
    """Runs of finite points (a NaN breaks the line, as matplotlib does)."""
    ok = np.isfinite(px) & np.isfinite(py)
    out = []
    for keep, group in itertools.groupby(zip(ok, px, py, strict=True), key=lambda t: t[0]):
        if keep:
            out.append([(float(x), float(y)) for _, x, y in group])
    return out


def _panel(p: Panel, x0: float, y0: float, w: float, h: float, clip: str) -> str:
    left, right, top, bottom = 56.0, 10.0, 22.0, 36.0
    pw, ph = w - left - right, h - top - bottom
    ax, ay = x0 + left, y0 + top
    xs = [s.x for s in p.series]
    ys = [v for s in p.series for v in (s.y, s.lo, s.hi) if v is not None]
    xlo, xhi = _range(xs, False) if xs else (0.0, 1.0)
    if xs:  # x: the data's own range, no padding (steps, layers)
        finite = np.concatenate([np.asarray(x, float) for x in xs])
        finite = finite[np.isfinite(finite)]
        if len(finite) and finite.max() > finite.min():
            xlo, xhi = float(finite.min()), float(finite.max())
    if p.xint:
        xlo, xhi = xlo - 0.25, xhi + 0.25
    ylo, yhi = p.ylim if p.ylim is not None else _range(ys, p.ylog)
    if p.ylog:
        ylo, yhi = max(ylo, float(np.finfo(float).tiny)), max(yhi, ylo * 10)

    def fx(v: np.ndarray) -> np.ndarray:
        return ax + (np.asarray(v, float) - xlo) / (xhi - xlo) * pw

    def fy(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, float)
        if p.ylog:
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (np.log10(np.where(v > 0, v, np.nan)) - math.log10(ylo)) / (
                    math.log10(yhi) - math.log10(ylo)
                )
        else:
            t = (v - ylo) / (yhi - ylo)
        return ay + ph - t * ph

    out = [f"<g {FONT} font-size='10' fill='{INK}'>"]
    yt = log_ticks(ylo, yhi) if p.ylog else linear_ticks(ylo, yhi)
    xt = linear_ticks(xlo, xhi, 6, integer=p.xint)
    for v in yt:
        y = float(fy(np.array(v)))
        if ay - 0.5 <= y <= ay + ph + 0.5:
            out.append(
                f"<line x1='{_fmt(ax)}' x2='{_fmt(ax + pw)}' y1='{_fmt(y)}' "
                f"y2='{_fmt(y)}' stroke='{GRID}'/>"
            )
            out.append(
                f"<text class='ytick' x='{_fmt(ax - 4)}' y='{_fmt(y + 3.5)}' "
                f"text-anchor='end'>{tick_label(v, p.ylog)}</text>"
            )
    for v in xt:
        x = float(fx(np.array(v)))
        if ax - 0.5 <= x <= ax + pw + 0.5:
            out.append(
                f"<line x1='{_fmt(x)}' x2='{_fmt(x)}' y1='{_fmt(ay)}' "
                f"y2='{_fmt(ay + ph)}' stroke='{GRID}'/>"
            )
            out.append(
                f"<text class='xtick' x='{_fmt(x)}' y='{_fmt(ay + ph + 13)}' "
                f"text-anchor='middle'>{tick_label(v)}</text>"
            )
    out.append(
        f"<rect x='{_fmt(ax)}' y='{_fmt(ay)}' width='{_fmt(pw)}' height='{_fmt(ph)}' "
        "fill='none' stroke='#999'/>"
    )
    if p.hline is not None and ylo <= p.hline <= yhi:
        y = float(fy(np.array(p.hline)))
        out.append(
            f"<line x1='{_fmt(ax)}' x2='{_fmt(ax + pw)}' y1='{_fmt(y)}' y2='{_fmt(y)}' "
            "stroke='#999' stroke-dasharray='4 3'/>"
        )
    out.append(
        f"<clipPath id='{clip}'><rect x='{_fmt(ax)}' y='{_fmt(ay)}' "
        f"width='{_fmt(pw)}' height='{_fmt(ph)}'/></clipPath>"
    )
    out.append(f"<g clip-path='url(#{clip})' fill='none'>")
    for s in p.series:
        sx, sy = np.asarray(s.x, float), np.asarray(s.y, float)
        if s.step and len(sx):  # hold each value until the next x
            sx, sy = np.repeat(sx, 2)[1:], np.repeat(sy, 2)[:-1]
        px, py = fx(sx), fy(sy)
        body = [f"<title>{html.escape(s.label)}</title>"]
        dash = " stroke-dasharray='5 3'" if s.dash else ""
        if s.lo is not None and s.hi is not None:
            plo, phi = fy(np.asarray(s.lo, float)), fy(np.asarray(s.hi, float))
            for seg_hi, seg_lo in zip(
                _segments(px, phi), _segments(px, plo), strict=False
            ):  # one polygon per finite run: the upper edge out, the lower edge back
                pts = seg_hi + seg_lo[::-1]
                body.append(
                    "<polygon points='"
                    + " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in pts)
                    + f"' fill='{s.colour}' fill-opacity='0.15' stroke='none'/>"
                )
        for seg in _segments(px, py):
            body.append(
                "<polyline class='line' points='"
                + " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in seg)
                + f"' stroke='{s.colour}' stroke-width='1.4'{dash}/>"
            )
            if s.markers:
                body += [
                    f"<circle cx='{_fmt(a)}' cy='{_fmt(b)}' r='2.2' fill='{s.colour}'/>"
                    for a, b in seg
                ]
        out.append(f"<g data-label='{html.escape(s.label, quote=True)}'>{''.join(body)}</g>")
    out.append("</g>")
    out.append(
        f"<text x='{_fmt(ax + pw / 2)}' y='{_fmt(y0 + 14)}' text-anchor='middle' "
        f"font-size='11'>{html.escape(p.title)}</text>"
    )
    out.append(
        f"<text x='{_fmt(ax + pw / 2)}' y='{_fmt(ay + ph + 29)}' "
        f"text-anchor='middle'>{html.escape(p.xlabel)}</text>"
    )
    cy = ay + ph / 2
    out.append(
        f"<text x='{_fmt(x0 + 11)}' y='{_fmt(cy)}' text-anchor='middle' "
        f"transform='rotate(-90 {_fmt(x0 + 11)} {_fmt(cy)})'>"
        f"{html.escape(p.ylabel)}</text>"
    )
    out.append("</g>")
    return "".join(out)


def _svg(width: float, height: float, body: str, label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {_fmt(width)} {_fmt(height)}' "
        f"width='{_fmt(width)}' role='img' aria-label='{html.escape(label, quote=True)}' "
        f"style='max-width:100%;height:auto'>{body}</svg>"
    )


def lines(
    panels: list[Panel], uid: str, cols: int | None = None, w: float = 360, h: float = 240
) -> str:
    """Line panels side by side (``cols`` per row, default all), one SVG; ``uid``: unique in
    the page (its clip paths are named by it)."""
    cols = cols or len(panels)
    rows = math.ceil(len(panels) / cols)
    body = "".join(
        _panel(p, (i % cols) * w, (i // cols) * h, w, h, f"{uid}-clip{i}")
        for i, p in enumerate(panels)
    )
    return _svg(cols * w, rows * h, body, "; ".join(p.title for p in panels))


# ---------------------------------------------------------------------- image tiles


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], float)


def viridis(t: np.ndarray) -> np.ndarray:
    """Colours (…, 3) uint8 for values in [0, 1] (clipped; NaN: grey)."""
    t = np.asarray(t, float)
    stops = np.stack([_rgb(c) for c in VIRIDIS])
    pos = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(VIRIDIS) - 1)
    i = np.minimum(pos.astype(int), len(VIRIDIS) - 2)
    f = (pos - i)[..., None]
    out = stops[i] * (1 - f) + stops[i + 1] * f
    out[np.isnan(t)] = 200.0
    return np.asarray(np.round(out), np.uint8)


def class_regions(cls: np.ndarray) -> np.ndarray:
    """Colours (…, 3) uint8 for class indices: each class's colour at 30% on white."""
    tint = np.stack([_rgb(c) for c in CLASSES]) * 0.3 + 255 * 0.7
    return np.asarray(np.round(tint[np.asarray(cls, int) % len(CLASSES)]), np.uint8)


def class_colour(c: int) -> str:
    return CLASSES[int(c) % len(CLASSES)]


def viridis_hex(t: float) -> str:
    r, g, b = viridis(np.array([t]))[0]
    return f"#{r:02x}{g:02x}{b:02x}"


def png(rgb: np.ndarray) -> bytes:
    """A PNG file of an (h, w, 3) uint8 image (zlib-compressed scanlines, no filter)."""
    img = np.ascontiguousarray(rgb, np.uint8)
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _thin(points: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    if len(points) <= POINTS_MAX:
        return points
    idx = np.linspace(0, len(points) - 1, POINTS_MAX).round().astype(int)
    return [points[i] for i in idx]


def tiles(
    items: list[Tile],
    uid: str,
    cols: int = 4,
    size: float = 190,
    colourbar: tuple[float, float, str] | None = None,
) -> str:
    """Image tiles in a grid, each titled (in its configuration's colour), with its points;
    ``colourbar``: (vmin, vmax, label) of a viridis scale, drawn on the right; ``uid``: unique
    in the page (names its gradient)."""
    cols = max(1, min(cols, len(items)))
    rows = math.ceil(len(items) / cols)
    pad, title = 8.0, 16.0
    bar = 70.0 if colourbar else 0.0
    width = cols * (size + pad) + pad + bar
    height = rows * (size + title + pad) + pad
    out = [f"<g {FONT} font-size='10' fill='{INK}'>"]
    for i, t in enumerate(items):
        x0 = pad + (i % cols) * (size + pad)
        y0 = pad + (i // cols) * (size + title + pad) + title
        uri = "data:image/png;base64," + base64.b64encode(png(t.rgb)).decode()
        out.append(
            f"<image x='{_fmt(x0)}' y='{_fmt(y0)}' width='{_fmt(size)}' "
            f"height='{_fmt(size)}' preserveAspectRatio='none' href='{uri}'/>"
        )
        ex0, ex1, ey0, ey1 = t.extent
        dots = []
        for px, py, c in _thin(t.points):
            cx = x0 + (px - ex0) / (ex1 - ex0) * size
            cy = y0 + size - (py - ey0) / (ey1 - ey0) * size
            dots.append(f"<circle cx='{_fmt(cx)}' cy='{_fmt(cy)}' r='1.6' fill='{c}'/>")
        out.append(f"<g stroke='#222' stroke-width='0.3'>{''.join(dots)}</g>")
        out.append(
            f"<rect x='{_fmt(x0)}' y='{_fmt(y0)}' width='{_fmt(size)}' "
            f"height='{_fmt(size)}' fill='none' stroke='#999'/>"
        )
        out.append(
            f"<text x='{_fmt(x0 + size / 2)}' y='{_fmt(y0 - 4)}' text-anchor='middle' "
            f"fill='{t.title_colour}'>{html.escape(t.title)}</text>"
        )
    if colourbar:
        vmin, vmax, label = colourbar
        bx, by, bw, bh = width - bar + 4, pad + title, 12.0, height - 2 * pad - title
        gid = f"{uid}-viridis"
        stops = "".join(
            f"<stop offset='{k / (len(VIRIDIS) - 1):.3f}' stop-color='{c}'/>"
            for k, c in enumerate(VIRIDIS)
        )
        out.append(
            f"<defs><linearGradient id='{gid}' x1='0' y1='1' x2='0' y2='0'>{stops}"
            "</linearGradient></defs>"
        )
        out.append(
            f"<rect class='colourbar' x='{_fmt(bx)}' y='{_fmt(by)}' width='{_fmt(bw)}' "
            f"height='{_fmt(bh)}' fill='url(#{gid})' stroke='#999'/>"
        )
        span = vmax - vmin if vmax > vmin else 1.0
        for v in linear_ticks(vmin, vmax if vmax > vmin else vmin + 1):
            y = by + bh - (v - vmin) / span * bh
            out.append(
                f"<line x1='{_fmt(bx + bw)}' x2='{_fmt(bx + bw + 3)}' y1='{_fmt(y)}' "
                f"y2='{_fmt(y)}' stroke='{INK}'/><text class='cbtick' "
                f"x='{_fmt(bx + bw + 5)}' y='{_fmt(y + 3.5)}'>{tick_label(v)}</text>"
            )
        cx, cy = bx + bw + 44, by + bh / 2
        out.append(
            f"<text x='{_fmt(cx)}' y='{_fmt(cy)}' text-anchor='middle' "
            f"transform='rotate(-90 {_fmt(cx)} {_fmt(cy)})'>{html.escape(label)}</text>"
        )
    out.append("</g>")
    return _svg(width, height, "".join(out), "; ".join(t.title for t in items))
