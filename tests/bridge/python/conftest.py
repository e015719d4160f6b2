"""A real ringcast-bridge for the Python client tests, and what they need around it.

ctest runs ``/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/bridge/python``
with RINGCAST_BRIDGE_BIN, RINGCAST_TOKEN_BIN and RINGCAST_PUBLISH_BIN set to the
build's binaries (tests/bridge/python/CMakeLists.txt). The client side is
Debian's python3-websockets (10.4) plus, where it will not go (invalid UTF-8,
hand-made fragments), a raw RFC 6455 client on the standard library.

Each test gets its own bridge on 127.0.0.1:0 over its own segment; the
segment's /dev/shm file is removed afterwards. Every wait has a deadline.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

# The secret the test bridges verify with (>= 16 bytes), and another one for
# tokens that must be refused.
SECRET = "ringcast-python-test-secret-0123456789"
OTHER_SECRET = "not-the-bridge-secret-9876543210fedcba"

_LISTENING = re.compile(
    r"^ringcast-bridge: listening on http://127\.0\.0\.1:(\d+) segment '([^']*)' epoch ([0-9a-f]{16})$")

_counter = itertools.count(1)


def tool(variable):
    """The built binary named by $variable (ctest sets it)."""
    value = os.environ.get(variable)
    if not value or not Path(value).is_file():
        pytest.fail(f"${variable} must name the built file (ctest sets it; see tests/bridge/python/CMakeLists.txt)")
    return value


def child_env(secret=SECRET):
    """The environment for the bridge and the tools: no RINGCAST_* setting leaks
    in from the caller (the bridge reads every flag from the environment too)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGCAST_")}
    env["RINGCAST_JWT_SECRET"] = secret
    return env


def unique_segment():
    return f"rcpy-{os.getpid()}-{next(_counter)}"


# --- tokens -----------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_jwt(claims, secret=SECRET, header=None):
    """An HS256 JWT built here, independently of the bridge's token.cpp."""
    header = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def mint(user, admin=False, ttl=None, secret=SECRET, check=True):
    """ringcast-token's output (the CompletedProcess when check is False)."""
    args = [tool("RINGCAST_TOKEN_BIN"), "--user", user]
    if admin:
        args.append("--admin")
    if ttl is not None:
        args += ["--ttl", ttl]
    out = subprocess.run(args, env=child_env(secret), capture_output=True, text=True, timeout=30)
    if not check:
        return out
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


# --- events -----------------------------------------------------------------

def pnl(user, n):
    """A PNL_UPDATE whose payload carries n (exactly representable doubles)."""
    return {"type": "PNL_UPDATE", "userId": user,
            "payload": {"totalPnl": float(n), "dailyPnl": n + 0.5, "positionPnl": -n - 0.25, "realizedPnl": 0.0}}


def publish(segment, events, wait_ms=5000):
    """Publishes `events` (dicts) with ringcast-publish, one JSON line each."""
    text = "".join(json.dumps(e) + "\n" for e in events)
    out = subprocess.run([tool("RINGCAST_PUBLISH_BIN"), "--segment", segment, "--wait-ms", str(wait_ms)],
                         input=text, env=child_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"ringcast-publish failed ({out.returncode}): {out.stderr}"


# --- the bridge ---------------------------------------------------------------

class Bridge:
    """A ringcast-bridge child process on a free loopback port."""

    def __init__(self, segment, stderr_path, extra=()):
        self.segment = segment
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen(
            [tool("RINGCAST_BRIDGE_BIN"), "--listen", "127.0.0.1:0", "--segment", segment, "--io-threads", "2",
             "--startup-hold", "0",  # events flow at once; the hold has its own C++ test
             "--log-rate", "1000000",  # bursts of system_log carry markers; the rate limit has its own C++ test
             *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, env=child_env())
        line = self._first_line(20)
        m = _LISTENING.match(line)
        if not m:
            self.kill()
            pytest.fail(f"unexpected first line from ringcast-bridge: {line!r}; stderr: {self.stderr()}")
        self.port = int(m.group(1))
        assert m.group(2) == segment
        self.epoch = m.group(3)
        self.returncode = None

    def _first_line(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        data = b""
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                pytest.fail(f"ringcast-bridge did not say it was listening within {timeout} s; stderr: {self.stderr()}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    self.proc.wait(5)
                    pytest.fail(f"ringcast-bridge exited ({self.proc.returncode}) before listening; "
                                f"stderr: {self.stderr()}")
                data += chunk
        return data.split(b"\n", 1)[0].decode()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, token=None):
        base = f"ws://127.0.0.1:{self.port}/ws"
        return base if token is None else f"{base}?token={token}"

    def publish(self, events, wait_ms=5000):
        publish(self.segment, events, wait_ms)

    def health(self):
        with urllib.request.urlopen(self.url + "/health", timeout=10) as r:
            return json.loads(r.read())

    def wait_drained(self, count, timeout=10):
        """Until /health says the bridge has drained `count` events in all."""
        deadline = time.monotonic() + timeout
        while True:
            drained = self.health()["bridge"]["eventsDrained"]
            if drained >= count:
                return drained
            if time.monotonic() > deadline:
                raise AssertionError(f"bridge drained {drained} of {count} events in {timeout} s")
            time.sleep(0.02)

    def terminate(self, timeout=10):
        """SIGTERM, then the exit status (fails the test if it does not exit)."""
        if self.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(f"ringcast-bridge did not exit within {timeout} s of SIGTERM")
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.returncode = self.proc.returncode

    def close_files(self):
        self.proc.stdout.close()
        self._stderr.close()

    def stderr(self):
        self._stderr.flush()
        return Path(self.stderr_path).read_text(errors="replace")


@pytest.fixture
def segment():
    name = unique_segment()
    Path("/dev/shm", name).unlink(missing_ok=True)
    yield name
    Path("/dev/shm", name).unlink(missing_ok=True)


@pytest.fixture
def start_bridge(segment, tmp_path):
    """start_bridge(*extra_flags) -> Bridge; stopped (SIGTERM) after the test,
    which then must have exited 0 and not been killed."""
    started = []

    def start(*extra):
        b = Bridge(segment, tmp_path / f"bridge-{len(started)}.stderr", extra)
        started.append(b)
        return b

    yield start
    problems = []
    for b in started:
        try:
            rc = b.terminate()
            if rc != 0:
                problems.append(f"ringcast-bridge exited {rc}; stderr: {b.stderr()}")
        finally:
            b.kill()
            b.close_files()
    assert not problems, problems


@pytest.fixture
def bridge(start_bridge):
    return start_bridge()


# --- a raw RFC 6455 client (standard library only) ---------------------------

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class RawWebSocket:
    """Just enough of a client to send what libraries refuse to: text frames of
    invalid UTF-8, hand-cut fragments. Frames from the server are unmasked."""

    def __init__(self, port, path, headers=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split(" ")[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
        if self.status == 101:
            expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            assert self.headers.get("sec-websocket-accept") == expected

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the bridge")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send_frame(self, opcode, payload, fin=True):
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_frame(self):
        """(fin, opcode, payload) of the next frame."""
        b0, b1 = self._take(2)
        assert b1 & 0x80 == 0, "server frames must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
        return bool(b0 & 0x80), b0 & 0x0F, self._take(n)

    def recv_message(self):
        """The next data message (opcode, bytes), answering pings; ('close', (code, reason)) on a close."""
        opcode, data = None, b""
        while True:
            fin, op, payload = self.recv_frame()
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if op == OP_PONG:
                continue
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return "close", (code, payload[2:].decode("utf-8"))
            if op != OP_CONT:
                opcode = op
            data += payload
            if fin:
                return opcode, data

    def recv_json(self):
        kind, data = self.recv_message()
        assert kind == OP_TEXT, (kind, data)
        return json.loads(data.decode("utf-8"))

    def expect_close(self):
        """The server's close (code, reason); answers it, waits for the server to
        close the TCP connection (it closes first, RFC 6455 7.1.1) and closes ours."""
        kind, value = self.recv_message()
        while kind != "close":  # messages the bridge had already queued
            kind, value = self.recv_message()
        code, reason = value
        try:
            self.send_frame(OP_CLOSE, struct.pack("!H", code) if code else b"")
            while True:
                self._fill()
        except (EOFError, OSError):
            pass
        self.close()
        return code, reason

    def close(self):
        self.sock.close()
