"""What several machines share in Redis: the connection, the key names, the article stream's
messages and the feeds' state.

Used by the crawl's workers (``crawler/distributed/``, ``pipelines/handoff.py``) and by the one
writer (``pipelines/ingest.py``). Nothing here knows of Scrapy. Every value is JSON (bytes as
base64), never pickle: whoever can write to Redis can then fill the queue with junk, not run
code in the workers.
"""

from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timedelta, timezone
from typing import Any

import redis
import redis.asyncio as redis_asyncio

from .database import NewsDatabase, backoff_delay, utc_now

# The writers' consumer group on the article stream.
WRITER_GROUP = "writer"


class RedisUnavailable(Exception):
    """Redis cannot be reached, refused the password, or went away; the message says which URL."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ''}***@{host}"


def connect(url: str, asynchronous: bool = False, timeout: float = 10.0) -> Any:
    """A client for ``url`` (``redis://[[user]:password@]host:port/db`` or ``rediss://`` for TLS;
    ``?ssl_ca_certs=...`` and the other options of redis-py's ``from_url``). The synchronous
    client is pinged here, so a wrong address or password is a ``RedisUnavailable`` at once."""
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "health_check_interval": 30}
    try:
        if asynchronous:
            return redis_asyncio.Redis.from_url(url, **options)
        client = redis.Redis.from_url(url, **options)
        client.ping()
        return client
    except (redis.RedisError, OSError, ValueError) as error:
        raise RedisUnavailable(unavailable_message(url, error)) from error


def unavailable_message(url: str, error: BaseException) -> str:
    return (
        f"Redis at {redact(url)} is not usable ({type(error).__name__}: {error}); check NEWS_REDIS_URL,"
        " that redis-server runs there and that its password is right"
    )


class Keys:
    """The names of one crawl's keys, all under ``prefix`` (NEWS_REDIS_PREFIX)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.requests = f"{prefix}:requests"  # the frontier: a sorted set of JSON requests, by priority
        self.leases = f"{prefix}:leases"  # requests a worker holds: lease id -> JSON {worker, score, data}
        self.seen = f"{prefix}:seen"  # fingerprints of every request ever put on the frontier
        self.articles = f"{prefix}:articles"  # the stream of extracted articles, for the writer
        self.worker_prefix = f"{prefix}:worker:"  # + worker id: alive while this key lives

    def worker(self, worker_id: str) -> str:
        return self.worker_prefix + worker_id

    def scheduled(self, fingerprint: str) -> str:
        return f"{self.prefix}:scheduled:{fingerprint}"

    def feed(self, url: str) -> str:
        return f"{self.prefix}:feed:{url}"

    def host(self, host: str) -> tuple[str, str]:
        """The host's holders (a sorted set of request ids, by expiry) and its next allowed start."""
        return f"{self.prefix}:host:{host}:holders", f"{self.prefix}:host:{host}:next"


def worker_id() -> str:
    import os
    import secrets

    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


# --- the article stream's messages ---


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {"$pairs": [[_plain(key), _plain(item)] for key, item in value.items()]}  # bytes keys: headers
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _tagged(value: dict[str, Any]) -> Any:
    """``json.loads``'s object hook: the tagged forms back to bytes and bytes-keyed dicts."""
    if len(value) == 1:
        if "$bytes" in value:
            return base64.b64decode(value["$bytes"])
        if "$pairs" in value:
            return {key: item for key, item in value["$pairs"]}
    return value


def _bytes_as_tagged(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """JSON with bytes as ``{"$bytes": base64}`` (signatures, request bodies) and dicts with
    bytes keys (headers) as ``{"$pairs": [[key, value], ...]}``."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_bytes_as_tagged)
    except TypeError:  # bytes keys: json.dumps takes str keys only
        return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_tagged)


# --- feeds' state, shared by every worker ---


class SharedFeedsDatabase(NewsDatabase):
    """A worker's own database file, whose feeds' state (ETag, Last-Modified, failures, backoff)
    is read from and written to Redis too, so every worker machine sees the same: whichever
    reads a feed, the next conditional GET or backoff is the same everywhere. The file keeps a
    copy of the rows it wrote, its errors and its site templates for the worker's user."""

    redis: Any = None
    keys: Keys | None = None

    def share_with(self, client: Any, keys: Keys) -> None:
        self.redis, self.keys = client, keys

    def _state(self, url: str) -> dict[str, str]:
        assert self.keys is not None
        raw = self.redis.hgetall(self.keys.feed(url))
        return {key.decode(): value.decode() for key, value in raw.items()}

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        state = self._state(url)
        return state.get("etag") or None, state.get("last_modified") or None

    def feed_next_attempt(self, url: str) -> str | None:
        next_attempt = self._state(url).get("next_attempt")
        if not next_attempt or next_attempt <= utc_now():
            return None
        return next_attempt

    def record_feed_success(self, url: str, status: int, entries: int | None, title: str | None = None) -> None:
        super().record_feed_success(url, status, entries, title)
        assert self.keys is not None
        key = self.keys.feed(url)
        pipe = self.redis.pipeline()
        pipe.hset(key, mapping={"failures": 0, "last_status": status, "last_success": utc_now()})
        pipe.hdel(key, "next_attempt", "last_error")
        pipe.execute()

    def save_feed_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        super().save_feed_validators(url, etag, last_modified)
        assert self.keys is not None
        self.redis.hset(self.keys.feed(url), mapping={"etag": etag or "", "last_modified": last_modified or ""})

    def record_feed_failure(
        self,
        url: str,
        reason: str,
        status: int | None = None,
        backoff_base: float = 0.0,
        backoff_cap: float = 0.0,
        retry_after: float | None = None,
    ) -> str | None:
        super().record_feed_failure(url, reason, status, backoff_base, backoff_cap, retry_after)
        assert self.keys is not None
        key = self.keys.feed(url)
        # Counted in Redis, so two workers' failures of one feed make two, wherever they ran.
        failures = int(self.redis.hincrby(key, "failures", 1))
        delay = backoff_delay(failures, backoff_base, backoff_cap)
        if retry_after and backoff_base > 0:
            delay = max(delay, min(retry_after, backoff_cap))
        now = datetime.now(timezone.utc)
        next_attempt = (now + timedelta(seconds=delay)).isoformat(timespec="seconds") if delay > 0 else ""
        self.redis.hset(key, mapping={"next_attempt": next_attempt, "last_error": reason[:500], "last_status": status or ""})
        return next_attempt or None
