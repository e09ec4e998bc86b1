"""Redis itself in a distributed crawl: unreachable, wrong password, lost mid-crawl and restarted
from its append-only file, a password, TLS (rediss://). Real redis-server processes throughout."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest

from crawler import exitcodes
from storage import shared
from tests.conftest import run_crawl
from tests.counting_web import MultiHostWeb
from tests.redis_server import REDIS_SERVER, RedisServer, free_port
from tests.test_distributed import ingest, stored, worker

pytestmark = pytest.mark.skipif(
    not Path(REDIS_SERVER).exists(),
    reason="redis-server is not installed (Debian: apt-get install redis-server; .ci/run does it)",
)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with MultiHostWeb(page_seconds=0.2) as served:
        folder = tmp_path_factory.mktemp("web")
        feeds = served.write_feed_list(folder / "feeds.txt")
        reference = folder / "reference.db"
        assert run_crawl(reference, str(feeds)).returncode == exitcodes.OK
        yield served, feeds, stored(reference)


def test_redis_unreachable_at_the_start_is_exit_code_4_with_a_clear_message(web, tmp_path):
    _, feeds, _ = web
    url = f"redis://127.0.0.1:{free_port()}/0"
    process = worker(tmp_path / "worker.db", feeds, url, log=tmp_path / "worker.log")
    assert process.wait(timeout=120) == exitcodes.REDIS
    message = (tmp_path / "worker.log").read_text()
    assert f"Redis at {url} is not usable" in message and "check NEWS_REDIS_URL" in message
    result = ingest(tmp_path / "central.db", url)
    assert result.returncode == exitcodes.REDIS
    assert f"Redis at {url} is not usable" in result.stderr
    assert not (tmp_path / "central.db").exists()


def test_password_works_and_a_wrong_one_is_refused_without_showing_it(web, tmp_path):
    served, feeds, expected = web
    server = RedisServer(tmp_path / "redis", password="s3cret-pass").start()
    try:
        wrong = server.url.replace("s3cret-pass", "not-the-password")
        process = worker(tmp_path / "refused.db", feeds, wrong, log=tmp_path / "refused.log")
        assert process.wait(timeout=120) == exitcodes.REDIS
        log = (tmp_path / "refused.log").read_text()
        assert "is not usable" in log and "***@127.0.0.1" in log and "not-the-password" not in log
        assert worker(tmp_path / "worker.db", feeds, server.url).wait(timeout=300) == exitcodes.OK
        result = ingest(tmp_path / "central.db", server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert stored(tmp_path / "central.db") == expected
    finally:
        server.stop()


def test_redis_lost_mid_crawl_stops_the_worker_with_exit_code_4_and_a_restart_continues(web, tmp_path):
    """redis-server killed while a worker crawls: the worker says so and exits 4; restarted from its
    append-only file, the next run continues where it was and the writer stores every article once."""
    served, feeds, expected = web
    server = RedisServer(tmp_path / "redis").start()
    client = server.client()
    try:
        process = worker(tmp_path / "worker.db", feeds, server.url, "CONCURRENT_REQUESTS=2", log=tmp_path / "w.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (client.exists("wirecrawl:articles") and client.xlen("wirecrawl:articles") >= 3):
            time.sleep(0.05)
        handed = client.xlen("wirecrawl:articles")
        assert 3 <= handed < len(expected[0])
        server.kill()
        assert process.wait(timeout=120) == exitcodes.REDIS, (tmp_path / "w.log").read_text()[-3000:]
        log = (tmp_path / "w.log").read_text()
        assert "is not usable" in log and "run it again when Redis is back" in log
        # Back on the same port, from its append-only file: the frontier, leases and stream as they were.
        server.start()
        assert client.xlen("wirecrawl:articles") >= handed
        assert worker(tmp_path / "worker.db", feeds, server.url).wait(timeout=300) == exitcodes.OK
        result = ingest(tmp_path / "central.db", server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert stored(tmp_path / "central.db") == expected
    finally:
        server.stop()


def test_the_writer_losing_redis_keeps_what_it_committed_and_exits_4(web, tmp_path):
    served, feeds, expected = web
    server = RedisServer(tmp_path / "redis").start()
    try:
        assert worker(tmp_path / "worker.db", feeds, server.url).wait(timeout=300) == exitcodes.OK
        server.kill()
        result = ingest(tmp_path / "central.db", server.url)
        assert result.returncode == exitcodes.REDIS and "is not usable" in result.stderr
        server.start()
        result = ingest(tmp_path / "central.db", server.url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert stored(tmp_path / "central.db") == expected
    finally:
        server.stop()


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 (written for the test, valid one day)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wirecrawl test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def test_tls_with_rediss_and_a_password(web, tmp_path):
    """redis-server with TLS only (no plain port) and a password: a worker and the writer reach it
    with rediss://:PASSWORD@127.0.0.1:PORT/0?ssl_ca_certs=CA; without the CA it is refused."""
    served, feeds, expected = web
    ca, cert, key = _certificates(tmp_path / "tls")
    port = free_port()
    server = RedisServer(tmp_path / "redis", password="tls-pass", port=port, extra=["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                    "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"])  # fmt: skip
    server.start()
    try:
        url = f"rediss://:tls-pass@127.0.0.1:{port}/0?ssl_ca_certs={ca}"
        shared.connect(url).close()
        with pytest.raises(shared.RedisUnavailable, match="not usable"):
            shared.connect(f"redis://:tls-pass@127.0.0.1:{port}/0", timeout=2)  # plain text to a TLS port
        assert worker(tmp_path / "worker.db", feeds, url).wait(timeout=300) == exitcodes.OK
        result = ingest(tmp_path / "central.db", url)
        assert result.returncode == 0, result.stderr[-3000:]
        assert stored(tmp_path / "central.db") == expected
        refused = ingest(tmp_path / "other.db", f"rediss://:tls-pass@127.0.0.1:{port}/0")  # the system's CAs only
        assert refused.returncode == exitcodes.REDIS and "CERTIFICATE_VERIFY_FAILED" in refused.stderr
    finally:
        server.stop()


def test_redact_hides_the_password():
    assert shared.redact("rediss://user:pw@10.0.0.5:6380/1") == "rediss://user:***@10.0.0.5:6380/1"
    assert shared.redact("redis://:pw@host:6379/0") == "redis://***@host:6379/0"
    assert shared.redact("redis://host:6379/0") == "redis://host:6379/0"


def test_json_requests_and_no_pickle():
    """What goes to Redis is JSON (headers' bytes as base64), read back the same."""
    value = {"url": "http://a.invalid/x", "headers": {b"If-None-Match": [b'"abc"']}, "body": b"", "meta": {"n": 1}}
    text = shared.dumps(value)
    assert shared.loads(text) == value
    assert b"\x80" not in text.encode()  # no pickle protocol header
    with pytest.raises(ValueError):
        shared.loads(b"\x80\x04\x95pickled")



def test_a_pickled_entry_on_the_frontier_is_dropped_not_run(web, tmp_path):
    """Whoever can write to Redis cannot run code in a worker: a pickle that would create a file
    when unpickled is dropped with an error line, and the crawl goes on."""
    import pickle

    served, feeds, expected = web
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    server = RedisServer(tmp_path / "redis").start()
    try:
        server.client().zadd("wirecrawl:requests", {pickle.dumps(Payload()): -100})
        process = worker(tmp_path / "worker.db", feeds, server.url, log=tmp_path / "w.log")
        assert process.wait(timeout=300) == exitcodes.FAILURES  # an error was logged
        assert "not a JSON request" in (tmp_path / "w.log").read_text()
        assert not marker.exists()
        assert ingest(tmp_path / "central.db", server.url).returncode == 0
        assert stored(tmp_path / "central.db") == expected
    finally:
        server.stop()


def test_feed_state_is_shared_by_every_worker_file(tmp_path):
    """Two workers' files on one Redis: a failure counted by one backs the feed off for the other,
    the count goes on across them, and a success anywhere clears it and shares the validators."""
    server = RedisServer(tmp_path / "redis").start()
    try:
        files = []
        for name in ("a", "b"):
            db = shared.SharedFeedsDatabase.open(tmp_path / f"{name}.db")
            db.share_with(server.client(), shared.Keys("wirecrawl"))
            db.upsert_feeds([{"url": "http://feeds.invalid/rss"}])
            files.append(db)
        a, b = files
        url = "http://feeds.invalid/rss"
        assert b.feed_next_attempt(url) is None
        first = a.record_feed_failure(url, "HTTP 503", 503, backoff_base=600, backoff_cap=86400)
        assert b.feed_next_attempt(url) == first
        second = b.record_feed_failure(url, "HTTP 503", 503, backoff_base=600, backoff_cap=86400)
        assert second > first  # the second failure in a row, wherever it happened: twice the wait
        assert server.client().hget("wirecrawl:feed:" + url, "failures") == b"2"
        a.record_feed_success(url, 200, entries=3)
        a.save_feed_validators(url, '"etag-1"', "Fri, 20 Dec 2024 18:00:00 GMT")
        assert b.feed_next_attempt(url) is None
        assert b.feed_validators(url) == ('"etag-1"', "Fri, 20 Dec 2024 18:00:00 GMT")
        for db in files:
            db.commit()
            db.close()
    finally:
        server.stop()
