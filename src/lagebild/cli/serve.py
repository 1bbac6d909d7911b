"""``lagebild serve``: the dashboard and API on a local web server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lagebild.cli.common import open_store
from lagebild.store import Store


def run_server(ctx: click.Context, host: str, port: int, tile_url: str | None) -> None:
    import uvicorn

    from lagebild.web import WebConfig, create_app

    web = ctx.obj.get("web", {})
    app = create_app(WebConfig(db=ctx.obj["db"], tile_url=tile_url, **web))
    click.echo(
        f"lagebild serves {ctx.obj['db'] or 'lagebild.db'} at http://{host}:{port}/ "
        "(Ctrl-C stops it)"
    )
    click.echo(_access_mode(app.state.lagebild.store, web))
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_options(command: Any) -> Any:
    """--host, --port and --tile-url, for ``serve`` and ``demo``."""
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
    insecure_cookies: bool,
) -> None:
    """Serve the dashboard, map, gap table, place pages and the JSON API of a database."""
    from lagebild.security.protocol import ProtocolError, load

    open_store(ctx)  # a clear error now rather than on the first page
    try:
        load(protocol)
    except ProtocolError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.obj["web"] = {
        "sign_in": sign_in,
        "public": public,
        "protocol": str(protocol) if protocol else None,
        "secure_cookies": False if insecure_cookies else None,
    }
    run_server(ctx, host, port, tile_url)
