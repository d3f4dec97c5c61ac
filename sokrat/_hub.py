"""The Hugging Face cache and hub, as weights resolution uses them.

The cache is looked up first (a directory check before importing ``snapshot_download``);
the hub is tried online only when ``HF_HUB_OFFLINE`` is unset, and a failure to reach it is
remembered for the rest of the process and, for :data:`HUB_RETRY_S`, by the user's other
processes: an offline machine pays for the failed probe once, not once per command.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path

log = logging.getLogger("sokrat.weights")

_HUB_UNREACHABLE: str | None = None  # why the hub could not be reached (once per process)
_HUB_MISSING: dict[str, str] = {}  # repo id -> why it is not on the hub
HUB_RETRY_S = 600.0
"""After a failed attempt to reach the hub, other processes of the user skip it for this long
(remembered in ``<cache_dir>/hub-unreachable.json``): an offline machine pays the failed probe
once per 10 minutes, not once per command."""
_HUB_MEMO: Path | None = None


def use_failure_memo(cache_dir: Path) -> None:
    """Share hub failures with the user's other processes through ``cache_dir``."""
    global _HUB_MEMO
    _HUB_MEMO = Path(cache_dir) / "hub-unreachable.json"


def reset_hub_cache() -> None:
    """Forget remembered hub failures (tests, or after the network comes back)."""
    global _HUB_UNREACHABLE
    _HUB_UNREACHABLE = None
    _HUB_MISSING.clear()
    if _HUB_MEMO is not None:
        with contextlib.suppress(OSError):
            _HUB_MEMO.unlink()


def _hub_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _unreachable_recently() -> str | None:
    """Why the hub failed for another of the user's processes in the last HUB_RETRY_S, if it did."""
    if _HUB_MEMO is None:
        return None
    try:
        data = json.loads(_HUB_MEMO.read_text())
        if time.time() - float(data["at"]) < HUB_RETRY_S:
            return str(data["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _remember_unreachable(reason: str) -> None:
    if _HUB_MEMO is not None:
        with contextlib.suppress(OSError):
            _HUB_MEMO.parent.mkdir(parents=True, exist_ok=True)
            _HUB_MEMO.write_text(json.dumps({"at": time.time(), "reason": reason}))


def _in_local_cache(repo_id: str) -> bool:
    """Whether the Hugging Face cache has any snapshot of ``repo_id`` (a directory check; the
    cache lookup itself imports much of huggingface_hub)."""
    from huggingface_hub import constants

    return (Path(constants.HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--")) / "snapshots").is_dir()


def from_hub(repo_id: str, allow: list[str], *, online: bool = True) -> tuple[Path | None, str]:
    """A local snapshot of ``repo_id`` (cache first, then download), or (None, why not)."""
    global _HUB_UNREACHABLE
    cache_miss = "not in the Hugging Face cache"
    if _in_local_cache(repo_id):
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=allow)), "cache"
        except (LocalEntryNotFoundError, OSError, ValueError) as e:
            cache_miss = f"not in the Hugging Face cache ({type(e).__name__})"
    if not online:
        return None, cache_miss
    if _hub_offline():
        return None, f"{cache_miss}; HF_HUB_OFFLINE is set"
    if _HUB_UNREACHABLE is not None:
        return None, f"{cache_miss}; hub unreachable earlier in this process ({_HUB_UNREACHABLE})"
    if (recent := _unreachable_recently()) is not None:
        _HUB_UNREACHABLE = recent
        return None, f"{cache_miss}; hub unreachable less than {HUB_RETRY_S:g} s ago ({recent})"
    if repo_id in _HUB_MISSING:
        return None, _HUB_MISSING[repo_id]
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    t0 = time.perf_counter()
    try:
        path = snapshot_download(repo_id, allow_patterns=allow, etag_timeout=10)
    except (RepositoryNotFoundError, GatedRepoError, RevisionNotFoundError) as e:
        _HUB_MISSING[repo_id] = f"hub has no usable {repo_id!r} ({type(e).__name__})"
        return None, _HUB_MISSING[repo_id]
    except (LocalEntryNotFoundError, OSError) as e:  # connection errors surface as these
        reason = str(e).splitlines()[0][:160]
        _HUB_UNREACHABLE = reason
        _remember_unreachable(reason)
        log.info("hub unreachable after %.2f s: %s", time.perf_counter() - t0, reason)
        return None, f"{cache_miss}; hub unreachable ({reason})"
    return Path(path), "download"
