"""``lagebild serve``: the dashboard and API on a local web server.

Safe by default: served to the network (any address but loopback), a database without accounts
is refused unless ``--open`` says that everyone who reaches the server may do everything; a
request whose Host is neither the served address nor an ``--allowed-host`` name is refused (DNS
rebinding); the uploads waiting for confirmation are kept in a folder every worker shares.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import click

from lagebild.cli.common import open_store
from lagebild.store import Store

#: The names a browser on this machine uses for a loopback server.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine reaches (127.0.0.1, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def served_names(host: str, allowed: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The names a request's Host may give: on loopback its names; on every address (0.0.0.0,
    ::) this machine's names and addresses; else the served address; and the ``allowed`` ones."""
    name = host.strip().strip("[]").lower()
    if is_loopback(name):
        found = [*LOOPBACK_NAMES, name]
    elif name in ("0.0.0.0", "::", ""):  # noqa: S104 - the addresses that mean "every one"
        found = [*LOOPBACK_NAMES, *_machine_names()]
    else:
        found = [name]
    return tuple(dict.fromkeys([*found, *allowed]))


def _machine_names() -> list[str]:
    """This machine's name, full name and addresses, as others on the network may reach it."""
    names = [socket.gethostname(), socket.getfqdn()]
    try:
        names += [str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:
        pass
    try:  # the address of the route outwards; a datagram socket's connect sends nothing
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            names.append(str(probe.getsockname()[0]))
    except OSError:
        pass
    return [n.lower() for n in names if n]


def check_exposure(host: str, open_: bool, sign_in: str, has_accounts: bool) -> None:
    """Refuse to serve a database without accounts to the network unless ``--open`` says so."""
    if is_loopback(host) or open_ or sign_in == "required" or has_accounts:
        return
    raise click.ClickException(
        f"refused to serve on {host}: the database has no accounts, so everyone who reaches "
        "this server could see and change everything. Make the first account "
        "('lagebild user add NAME --role admin') and serve again, serve on 127.0.0.1, or pass "
        "--open if an open server is meant (a closed network, a demonstration)."
    )


def run_server(ctx: click.Context, host: str, port: int, tile_url: str | None) -> None:
    import uvicorn

    from lagebild.web import WebConfig, create_app
    from lagebild.web.app import CONFIG_VARIABLE

    web = dict(ctx.obj.get("web", {}))
    exposure = ctx.obj.get("exposure", {"open": False, "allowed_hosts": ()})
    if not is_loopback(host) and not exposure["open"]:
        web["sign_in"] = "required"  # deleting the last account does not open it either
    own_folder = None if "upload_folder" in web else _upload_folder(ctx)
    if own_folder is not None:
        web["upload_folder"] = str(own_folder)
    web["allowed_hosts"] = served_names(host, tuple(exposure["allowed_hosts"]))
    workers = int(ctx.obj.get("workers", 1))
    config = WebConfig(db=ctx.obj["db"], tile_url=tile_url, **web)
    app = create_app(config)
    several = f" in {workers} worker processes" if workers > 1 else ""
    click.echo(
        f"lagebild serves {ctx.obj['db'] or 'lagebild.db'} at http://{host}:{port}/{several} "
        "(Ctrl-C stops it)"
    )
    click.echo(_access_mode(app.state.lagebild.store, web))
    click.echo(f"answers to: {', '.join(web['allowed_hosts'])} (more with --allowed-host NAME)")
    try:
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level="warning")
            return
        app.state.lagebild.close()
        os.environ[CONFIG_VARIABLE] = json.dumps(dataclasses.asdict(config))
        uvicorn.run("lagebild.web.app:from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")
    finally:
        if own_folder is not None:
            # The server's own folder of uploads (not an --upload-folder) goes with it: what
            # waited for a confirmation was never confirmed.
            shutil.rmtree(own_folder, ignore_errors=True)


def _upload_folder(ctx: click.Context) -> Path:
    """The shared folder of the uploads waiting for confirmation, made private to this user."""
    from lagebild.web.uploads import private_root, shared_root_for

    target = str(ctx.obj["db"] or "lagebild.db")
    return private_root(shared_root_for(target if "://" in target else str(Path(target).resolve())))


def serve_options(command: Any) -> Any:
    """--host, --port, --tile-url, --open and --allowed-host, for ``serve`` and ``demo``."""
    for option in reversed(
        [
            click.option(
                "--host",
                default="127.0.0.1",
                show_default=True,
                help="Address to listen on (0.0.0.0 for the office network).",
            ),
            click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True),
            click.option(
                "--tile-url",
                envvar="LAGEBILD_TILE_URL",
                metavar="URL",
                help="Base-map tiles, e.g. https://tile.example/{z}/{x}/{y}.png; "
                "without it the map fetches nothing.",
            ),
            click.option(
                "--open",
                "open_",
                is_flag=True,
                help="Serve a database without accounts to the network anyway: everyone who "
                "reaches it may do everything. Without it, any address but loopback needs an "
                "account.",
            ),
            click.option(
                "--allowed-host",
                "allowed_hosts",
                multiple=True,
                metavar="NAME",
                help="A name the server answers to besides the served address (repeatable; "
                "*.example.org for every name under it); a request naming any other is "
                "refused with 400.",
            ),
        ]
    ):
        command = option(command)
    return command


def _access_mode(store: Store, web: dict[str, Any]) -> str:
    """Say who may use the server: everyone (no accounts yet) or those who sign in."""
    from lagebild.store import accounts

    count = len(accounts.accounts(store))
    if not count and web.get("sign_in") != "required":
        return (
            "open: the database has no accounts, so everyone who reaches this server may see and "
            "do everything; make the first with 'lagebild user add NAME --role admin'"
        )
    public = "; anonymous visitors see the public picture" if web.get("public") else ""
    return f"sign-in required ({count} account(s)){public}"


@click.command()
@serve_options
@click.option(
    "--sign-in",
    "sign_in",
    type=click.Choice(["auto", "required"]),
    default="auto",
    show_default=True,
    help="auto: open while the database has no accounts, sign-in required once one exists; "
    "required: always.",
)
@click.option(
    "--public", is_flag=True, help="Anonymous visitors see the public picture (as viewers)."
)
@click.option(
    "--protocol",
    envvar="LAGEBILD_PROTOCOL",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="Information sharing protocol (YAML; default: the one lagebild ships, "
    "security/protocol.yml).",
)
@click.option(
    "--priority-model",
    envvar="LAGEBILD_PRIORITY_MODEL",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE",
    help="The priority model's weights and thresholds (YAML; default: the one lagebild ships, "
    "which `lagebild priorities --show-model` prints).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes: more answer more requests at once on a machine of several cores; "
    "they share the database, the uploads waiting for confirmation and nothing else.",
)
@click.option(
    "--upload-folder",
    envvar="LAGEBILD_UPLOADS",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Where uploads wait for their confirmation, shared by every worker (default: a private "
    "folder for the database in the temporary folder).",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the session cookie over plain http too (an office network without TLS). "
    "Default: Secure, unless served over plain http on loopback.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    tile_url: str | None,
    sign_in: str,
    public: bool,
    protocol: Path | None,
    priority_model: Path | None,
    workers: int,
    upload_folder: Path | None,
    insecure_cookies: bool,
    open_: bool,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Serve the dashboard, map, gap table, place pages and the JSON API of a database.

    On any address but loopback a database without accounts is refused unless --open is given.
    A request whose Host is neither the served address nor an --allowed-host name is refused.
    """
    from lagebild.analysis.priorities import load_model
    from lagebild.security.protocol import ProtocolError, load
    from lagebild.store import accounts
    from lagebild.web.uploads import private_root

    store = open_store(ctx)  # a clear error now rather than on the first page
    check_exposure(host, open_, sign_in, accounts.has_accounts(store))
    try:
        load(protocol)
    except ProtocolError as exc:
        raise click.ClickException(str(exc)) from exc
    load_model(priority_model)  # a wrong model is refused now, not on the first page
    ctx.obj["web"] = {
        "sign_in": sign_in,
        "public": public,
        "protocol": str(protocol) if protocol else None,
        "priority_model": str(priority_model) if priority_model else None,
        "secure_cookies": False if insecure_cookies else None,
    }
    if upload_folder is not None:
        ctx.obj["web"]["upload_folder"] = str(private_root(upload_folder.resolve()))
    ctx.obj["exposure"] = {"open": open_, "allowed_hosts": allowed_hosts}
    ctx.obj["workers"] = workers
    run_server(ctx, host, port, tile_url)
