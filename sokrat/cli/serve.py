"""`sokrat serve`, `sokrat worker`, `sokrat keys` (API keys kept in Redis, hashed)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import typer

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors

if TYPE_CHECKING:
    from sokrat.settings import Settings


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _allow_own_host(settings: Settings, host: str) -> Settings:
    """``--host NAME`` for one address: that name is allowed in Host headers too (through the
    environment, which every server process reads). A wildcard address needs
    SOKRAT_ALLOWED_HOSTS set to the names clients use."""
    import os

    from sokrat.server.origin import host_allowed, host_name
    from sokrat.settings import get_settings

    if host in ("0.0.0.0", "::", ""):
        if settings.allowed_hosts == type(settings)().allowed_hosts:
            stderr.print(f"[yellow]note:[/yellow] listening on {host}: only Host headers in SOKRAT_ALLOWED_HOSTS "
                         f"({','.join(settings.allowed_hosts)}) are answered; add the names clients use")
        return settings
    if host_allowed(host_name(host), settings.allowed_hosts) or "SOKRAT_ALLOWED_HOSTS" in os.environ:
        return settings
    os.environ["SOKRAT_ALLOWED_HOSTS"] = ",".join([*settings.allowed_hosts, host])
    get_settings.cache_clear()
    return get_settings()


def _fast_loop() -> tuple[str, str]:
    """uvloop and httptools when installed (the default install has both), else asyncio/h11."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def _keys(settings: Settings, fn: Any) -> Any:
    from sokrat.server.queue import TaskStore

    async def go() -> Any:
        store = TaskStore.from_settings(settings)
        try:
            return await fn(store)
        finally:
            await store.close()

    return asyncio.run(go())


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for all)."),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        workers: int = typer.Option(0, "--workers", min=0,
                                    help="Server processes sharing the port (default SOKRAT_SERVE_WORKERS)."),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    ) -> None:
        """The REST API; starts the embedded Redis when REDIS_URL is unset."""
        with user_errors():
            import uvicorn

            from sokrat.settings import get_settings

            _logging(log_level)
            settings = get_settings()
            if not (settings.api_keys or settings.admin_keys) and host not in ("127.0.0.1", "localhost", "::1"):
                stderr.print(f"[yellow]warning:[/yellow] listening on {host} without SOKRAT_API_KEYS: "
                             "anyone who reaches this port can run tasks (unless keys were made with `sokrat keys`)")
            settings = _allow_own_host(settings, host)
            if not settings.redis_url:
                # start the embedded Redis once here, not in N server processes at once
                from sokrat.errors import SokratError
                from sokrat.memory.embedded import ensure_server

                try:
                    ensure_server(settings)
                except SokratError as e:
                    stderr.print(f"[yellow]warning:[/yellow] the embedded Redis did not start: {e}")
            loop, http = _fast_loop()
            uvicorn.run("sokrat.server.app:app_from_env", factory=True, host=host, port=port,
                        workers=workers or settings.serve_workers, loop=loop, http=http,
                        log_level=log_level.lower(), access_log=log_level.lower() == "debug")

    @app.command()
    def worker(
        concurrency: int = typer.Option(1, "--concurrency", min=1, help="Tasks run at once in this process."),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    ) -> None:
        """A task worker; any number can run against the same Redis."""
        with user_errors():
            from sokrat.server.worker import run_worker
            from sokrat.settings import get_settings

            _logging(log_level)
            stats = run_worker(get_settings(), concurrency=concurrency)
            stderr.print(f"worker stopped: {stats.finished} finished, {stats.released} released")

    keys = typer.Typer(help="API keys kept in Redis (only their SHA-256): create, list, revoke.",
                       no_args_is_help=True)
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def keys_create(
        owner: str = typer.Option(..., "--owner", help="Who the key's tasks and media belong to."),
        admin: bool = typer.Option(False, "--admin", help="The key sees every task and media item."),
        label: str = typer.Option("", "--label", help="A note, e.g. where the key is used."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Make a key; it is printed once and stored only as its SHA-256."""
        with user_errors():
            from sokrat.server.auth import check_owner_name, new_key
            from sokrat.settings import get_settings

            key = new_key()
            stored = _keys(get_settings(), lambda s: s.add_key(key, owner=check_owner_name(owner), admin=admin,
                                                                label=label))
            if json_out:
                emit_json({"key": key, "sha256": stored.digest, "owner": owner, "admin": admin})
                return
            stdout.print(key, highlight=False)
            stderr.print(f"key for {owner}{' (admin)' if admin else ''}: shown once, stored as sha256:{stored.digest[:12]}...")

    @keys.command("list")
    def keys_list(json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
        """The keys made with `sokrat keys create`, and the revoked digests."""
        with user_errors():
            from sokrat.settings import get_settings

            stored, revoked = _keys(get_settings(), lambda s: s.keys())
            rows = [{"sha256": k.digest, "owner": k.owner, "admin": k.admin, "created_at": k.created_at,
                     "label": k.label} for k in sorted(stored, key=lambda k: k.created_at)]
            if json_out:
                emit_json({"keys": rows, "revoked": sorted(revoked)})
                return
            for r in rows:
                stdout.print(f"{r['sha256'][:16]}  {r['owner']}{'  admin' if r['admin'] else ''}  {r['label']}",
                             highlight=False)
            if revoked:
                stdout.print(f"revoked: {', '.join(d[:16] for d in sorted(revoked))}", highlight=False)

    @keys.command("revoke")
    def keys_revoke(
        key: str = typer.Argument(..., help="The key itself, sha256:<hex>, or a unique prefix of a listed digest."),
    ) -> None:
        """Revoke a key (managed or from SOKRAT_API_KEYS); servers refuse it within
        SOKRAT_API_KEY_REFRESH_S seconds."""
        with user_errors():
            from sokrat.server.auth import parse_key
            from sokrat.settings import get_settings

            settings = get_settings()
            if len(key) < 64 and all(c in "0123456789abcdef" for c in key.lower()):
                stored, _ = _keys(settings, lambda s: s.keys())
                matches = [k.digest for k in stored if k.digest.startswith(key.lower())]
                if len(matches) != 1:
                    raise fail(f"{len(matches)} listed keys start with {key!r}: give more of the digest")
                digest = matches[0]
            else:
                digest = parse_key(key)
            _keys(settings, lambda s: s.revoke_key(digest))
            stderr.print(f"revoked sha256:{digest[:12]}...")
