"""The shared frontier: scrapy-redis's priority queue, with leases instead of destructive pops.

scrapy-redis 0.9.1 pops a request with ``ZRANGE`` + ``ZREMRANGEBYRANK``: once popped it lives
only in the worker's memory, and a worker killed then loses it (istresearch/scrapy-cluster#255;
Redis's "reliable queue" pattern). Here a pop
moves the request, in one Lua script, from the frontier into the lease hash under the worker's
id; ``ack`` deletes the lease once the engine is done with the request (its items handed on, its
new requests on the frontier). ``reclaim`` puts back on the frontier the leases of every worker
whose heartbeat key has expired, so whatever a killed worker held is fetched by another.

Requests are JSON (``storage.shared.dumps``), never pickle (scrapy-redis's default: whoever
writes to Redis would run code in every worker, 418sec/huntr#1596).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from scrapy_redis.queue import PriorityQueue

from storage import shared

logger = logging.getLogger(__name__)

POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({worker = ARGV[2], score = item[2], data = item[1]}))
return item[1]
"""

# KEYS[1] the seen set, KEYS[2] the frontier; ARGV fingerprint, score, request. Seen and queued in one
# step: a worker killed between the two (upstream does SADD, then ZADD) would leave a request
# seen, so never offered again, and not queued: lost.
PUSH_UNSEEN = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS[1] leases, KEYS[2] frontier; ARGV[1] the workers' key prefix, ARGV[2] a worker id whose
# leases go back whether it lives or not ('' for none: a worker closing gives back its own).
RECLAIM = """
local leases = redis.call('HGETALL', KEYS[1])
local returned = 0
for i = 1, #leases, 2 do
  local lease = cjson.decode(leases[i + 1])
  if lease.worker == ARGV[2] or redis.call('EXISTS', ARGV[1] .. lease.worker) == 0 then
    redis.call('ZADD', KEYS[2], lease.score, lease.data)
    redis.call('HDEL', KEYS[1], leases[i])
    returned = returned + 1
  end
end
return returned
"""


class JsonSerializer:
    """scrapy-redis's serializer interface (``loads``, ``dumps``), in JSON."""

    loads = staticmethod(shared.loads)
    dumps = staticmethod(shared.dumps)


class LeasedQueue(PriorityQueue):
    def __init__(self, server: Any, spider: Any, key: str, keys: shared.Keys, worker: str):
        super().__init__(server, spider, key, serializer=JsonSerializer)
        self.keys = keys
        self.worker = worker
        self._pop = server.register_script(POP)
        self._reclaim = server.register_script(RECLAIM)
        self._push_unseen = server.register_script(PUSH_UNSEEN)

    def push_unseen(self, request: Any, fingerprint: str) -> bool:
        """Queue ``request`` unless its fingerprint is in the seen set; False if it was."""
        data = self._encode_request(request)
        return bool(self._push_unseen(keys=[self.keys.seen, self.key], args=[fingerprint, -request.priority, data]))

    def pop(self, timeout: int = 0) -> tuple[Any, str] | None:  # type: ignore[override]
        """The first request and its lease id, or None if the frontier is empty."""
        while True:
            lease = secrets.token_hex(8)
            data = self._pop(keys=[self.key, self.keys.leases], args=[lease, self.worker])
            if not data:
                return None
            try:
                return self._decode_request(data), lease
            except Exception as error:  # noqa: BLE001 (anything a Redis writer may have put there)
                # Not a request this project wrote (pickle, junk): never run, dropped, said.
                logger.error("Dropped an entry of the frontier that is not a JSON request (%s: %s): %r",
                             type(error).__name__, error, data[:200])  # fmt: skip
                self.ack(lease)

    def ack(self, lease: str) -> None:
        self.server.hdel(self.keys.leases, lease)

    def reclaim(self, give_back_own: bool = False) -> int:
        """Put dead workers' leases (and with ``give_back_own`` this worker's) back on the frontier."""
        own = self.worker if give_back_own else ""
        return int(self._reclaim(keys=[self.keys.leases, self.key], args=[self.keys.worker_prefix, own]))

    def leased(self) -> int:
        return int(self.server.hlen(self.keys.leases))
