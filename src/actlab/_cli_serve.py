"""``actlab serve``: the explorer (extra ``web``) — a local server for the page and its JSON API,
on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Annotated

import typer

from ._cli import _fail, app

LOOPBACK = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is only reachable from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to bind; other than 127.0.0.1 exposes it")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="port (0: any free one)", min=0, max=65535)] = 8000,
    store: Annotated[Path, typer.Option(help="SQLite results store")] = Path("runs/actlab.db"),
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="open the page in a browser")
    ] = False,
) -> None:
    """The explorer: every activation, the depth/init card, live multi-seed training, the
    advisor — one page served from this machine (no network needed).

    Example: actlab serve --port 8000 --store runs/actlab.db
    """
    from .web import INSTALL

    try:
        import uvicorn

        from .web import create_app

        web_app = create_app(store_path=store)
    except ImportError as exc:
        _fail(f"actlab serve needs the web extra: {INSTALL} ({exc})")
    if not is_loopback(host):
        typer.echo(
            f"warning: --host {host} makes the explorer reachable from other machines; it has "
            "no login and runs trainings for anyone who can reach it",
            err=True,
        )
    config = uvicorn.Config(web_app, host=host, port=port, log_level="warning")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        _fail(f"--host {host} --port {port}: cannot listen there ({why})")
    bound = sock.getsockname()[1]
    url = f"http://{f'[{host}]' if ':' in host else host}:{bound}"
    typer.echo(f"actlab explorer: {url}  (store {store}; Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.Server(config).run(sockets=[sock])
