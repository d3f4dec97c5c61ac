"""Where the bytes of uploaded media live, and how a worker on another machine gets them.

- The API server that takes an upload keeps it in ``{data_dir}/media/{id}{suffix}`` and,
  when ``SOKRAT_MEDIA_S3_URL`` is set, copies it to that bucket (any S3-compatible store:
  AWS, MinIO, Ceph, R2; through ``obstore``).
- A worker uses the file in place when it is on the same machine (same data dir). Otherwise
  it fetches it once into ``{data_dir}/media-cache/{sha256}{suffix}``: from the bucket when
  one is configured, else from the API (``GET /v1/media/{id}/content`` on
  ``SOKRAT_API_URL`` with an admin key). The download is hashed and checked against the
  upload's SHA-256 before it is used. The cache drops the least recently used files past
  ``SOKRAT_MEDIA_CACHE_BYTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ConfigError, MediaError

if TYPE_CHECKING:
    from sokrat.server.queue import MediaRow
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

CHUNK = 1 << 20


def media_dir(settings: Settings) -> Path:
    """Where this API server keeps uploads."""
    return Path(settings.data_dir).expanduser() / "media"


def cache_dir(settings: Settings) -> Path:
    """Where a worker keeps media fetched from elsewhere (named by content hash)."""
    return Path(settings.data_dir).expanduser() / "media-cache"


def worker_key(settings: Settings) -> str | None:
    """The key a worker sends to the API: ``worker_api_key``, else the first plain admin key."""
    if settings.worker_api_key:
        return settings.worker_api_key
    return next((k for k in settings.admin_keys if not k.lower().startswith("sha256:")), None)


class MediaStore:
    """Uploads on this machine, the optional bucket, and a worker's content-hash cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = media_dir(settings)
        self.cache = cache_dir(settings)
        self._bucket: Any = None
        self._locks: dict[str, asyncio.Lock] = {}

    # --- the bucket ------------------------------------------------------------------------------
    @property
    def bucket(self) -> Any:
        """The obstore ``S3Store`` of ``media_s3_url`` (None when unset)."""
        if self._bucket is None and self.settings.media_s3_url:
            try:
                from obstore.store import S3Store
            except ImportError as e:
                raise ConfigError("SOKRAT_MEDIA_S3_URL needs the `obstore` package: pip install 'sokrat[s3]'") from e
            endpoint = self.settings.media_s3_endpoint
            kwargs: dict[str, Any] = {"region": self.settings.media_s3_region}
            if endpoint:
                kwargs["endpoint"] = endpoint
            self._bucket = S3Store.from_url(self.settings.media_s3_url, client_options={
                "allow_http": bool(endpoint and endpoint.startswith("http://"))}, **kwargs)
        return self._bucket

    @staticmethod
    def object_key(row: MediaRow) -> str:
        return f"media/{row.id}{row.suffix}"

    async def publish(self, row: MediaRow, path: Path) -> str:
        """Copy an upload to the bucket (when configured); its key there, or ''."""
        if self.bucket is None:
            return ""
        import obstore

        key = self.object_key(row)
        await obstore.put_async(self.bucket, key, path)
        return key

    async def remove(self, row: MediaRow) -> None:
        """Delete the upload's file here and its bucket object (retention, DELETE)."""
        if row.path and Path(row.path).parent == self.root:
            with contextlib.suppress(FileNotFoundError):
                Path(row.path).unlink()
        if row.s3_key and self.bucket is not None:
            import obstore

            try:
                await obstore.delete_async(self.bucket, row.s3_key)
            except Exception as e:  # the row is gone either way; a stray object is only storage
                log.warning("could not delete media object %s: %s", row.s3_key, type(e).__name__)

    # --- reading -----------------------------------------------------------------------------------
    def local(self, row: MediaRow) -> Path | None:
        """The file on this machine (the upload itself, or a cached copy), if any. The upload
        counts only in this process's own media dir: a worker with another data dir fetches
        (it may be on another machine, where the same path names something else or nothing)."""
        if row.path:
            p = Path(row.path)
            with contextlib.suppress(OSError):
                if p.parent.resolve() == self.root.resolve() and p.is_file() and p.stat().st_size == row.bytes:
                    return p
        cached = self.cache / f"{row.sha256}{row.suffix}"
        if row.sha256 and cached.is_file():
            with contextlib.suppress(OSError):
                os.utime(cached)  # least recently *used* goes first
            return cached
        return None

    async def stream(self, row: MediaRow) -> AsyncIterator[bytes]:
        """The file's bytes for ``GET /v1/media/{id}/content`` (from here or the bucket)."""
        path = self.local(row)
        if path is not None:
            import anyio

            async with await anyio.open_file(path, "rb") as f:
                while chunk := await f.read(CHUNK):
                    yield chunk
            return
        if row.s3_key and self.bucket is not None:
            import obstore

            got = await obstore.get_async(self.bucket, row.s3_key)
            async for buf in got.stream(min_chunk_size=CHUNK):
                yield bytes(buf)
            return
        raise MediaError(f"the file of media {row.id} is not on this server and no media bucket is "
                         "configured (SOKRAT_MEDIA_S3_URL)")

    async def fetch(self, row: MediaRow) -> Path:
        """A local path of the media: in place, cached, or downloaded into the cache now."""
        path = self.local(row)
        if path is not None:
            return path
        lock = self._locks.setdefault(row.sha256 or row.id, asyncio.Lock())
        async with lock:
            path = self.local(row)
            if path is None:
                path = await self._download(row)
        return path

    async def _download(self, row: MediaRow) -> Path:
        self.cache.mkdir(parents=True, exist_ok=True)
        final = self.cache / f"{row.sha256}{row.suffix}"
        tmp = self.cache / f".{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with tmp.open("wb") as out:
                async for chunk in self._remote(row):
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(out.write, chunk)
            if row.sha256 and digest.hexdigest() != row.sha256:
                raise MediaError(f"media {row.id} ({row.filename}) arrived corrupted: its SHA-256 does not "
                                 "match the upload's; it was not used")
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        log.info("fetched media %s (%d bytes) into the cache", row.id, size)
        await asyncio.to_thread(self.evict)
        return final

    async def _remote(self, row: MediaRow) -> AsyncIterator[bytes]:
        if row.s3_key and self.bucket is not None:
            import obstore

            got = await obstore.get_async(self.bucket, row.s3_key)
            async for buf in got.stream(min_chunk_size=CHUNK):
                yield bytes(buf)
            return
        base = self.settings.api_url
        if not base:
            raise MediaError(
                f"media {row.id} ({row.filename}) is not on this machine: set SOKRAT_API_URL (and an admin key "
                "in SOKRAT_WORKER_API_KEY) so workers fetch media from the API, set SOKRAT_MEDIA_S3_URL for a "
                "shared bucket, or share the API server's data dir")
        import httpx

        key = worker_key(self.settings)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        url = f"{base.rstrip('/')}/v1/media/{row.id}/content"
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0)) as client, \
                client.stream("GET", url, headers=headers) as r:
            if r.status_code != 200:
                await r.aread()
                raise MediaError(f"could not fetch media {row.id} from the API ({r.status_code}): "
                                 f"{r.text[:200]}; check SOKRAT_API_URL and SOKRAT_WORKER_API_KEY (an admin key)")
            async for chunk in r.aiter_bytes(CHUNK):
                yield chunk

    def evict(self) -> int:
        """Drop the least recently used cached files past ``media_cache_bytes``; bytes freed."""
        try:
            files = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.cache.iterdir()
                     if p.is_file() and not p.name.startswith(".")]
        except OSError:
            return 0
        total = sum(size for _, size, _ in files)
        freed = 0
        for _, size, p in sorted(files):
            if total - freed <= self.settings.media_cache_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                freed += size
        return freed


__all__ = ["MediaStore", "cache_dir", "media_dir", "worker_key"]
