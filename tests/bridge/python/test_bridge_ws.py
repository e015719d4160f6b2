"""ringcast-bridge's WebSocket protocol (docs/PROTOCOL.md) from a client not
written in C++: Debian's python3-websockets, and a raw standard-library
client where a library will not misbehave on purpose.

Events are published with the real ringcast-publish. "No more than these"
is proven with a sentinel: a global event published last, which every
session gets; since a session's messages arrive in the order the bridge
drained them, anything extra would show up before it.
"""

import asyncio
import calendar
import hashlib
import hmac
import http.client
import json
import random
import re
import signal
import subprocess
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode

from conftest import (OP_BINARY, OP_CONT, OP_PING, OP_TEXT, OTHER_SECRET, SECRET, RawWebSocket, b64url, b64url_decode,
                      child_env, make_jwt, mint, pnl, tool)

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
RECV_TIMEOUT = 10


def run(coro, timeout=45):
    """Runs a test coroutine with an overall deadline."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def open_ws(bridge, query_token, **kwargs):
    """websockets.connect to /ws, with ?token=query_token unless it is None."""
    return await websockets.connect(bridge.ws_url(query_token), open_timeout=10, close_timeout=5,
                                    max_size=1 << 20, **kwargs)


async def recv_json(ws, timeout=RECV_TIMEOUT):
    message = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(message, str), f"the bridge sends text frames, got {message!r}"
    return json.loads(message)


async def connect(bridge, user, admin=False, **kwargs):
    """An open session and its connection:status."""
    ws = await open_ws(bridge, mint(user, admin=admin), **kwargs)
    status = await recv_json(ws)
    assert status["type"] == "connection:status", status
    return ws, status


def sentinel(n):
    return {"type": "system_log", "userId": "",
            "payload": {"level": "INFO", "source": "pytest", "message": f"sentinel {n}", "metadata": None}}


def is_sentinel(msg, n):
    return msg.get("type") == "system_log" and msg.get("payload", {}).get("message") == f"sentinel {n}"


async def until_sentinel(ws, n, limit=100_000):
    """Every message before sentinel n, then the sentinel itself."""
    got = []
    while len(got) <= limit:
        msg = await recv_json(ws)
        if is_sentinel(msg, n):
            return got, msg
        got.append(msg)
    raise AssertionError(f"no sentinel {n} after {limit} messages")


def event_view(msg):
    """What a published line determines of an event frame."""
    return {"type": msg["type"], "userId": msg["userId"], "payload": msg["payload"]}


def check_envelope(msg):
    assert set(msg) == {"type", "seq", "timestamp", "userId", "payload"}, msg
    assert isinstance(msg["seq"], int) and msg["seq"] > 0
    assert TIMESTAMP.match(msg["timestamp"]), msg["timestamp"]


async def close_quietly(*sockets):
    for ws in sockets:
        await ws.close()


# --- connection:status ----------------------------------------------------------

def test_connection_status_is_first_and_only_to_its_own_client(bridge, segment):
    async def main():
        before = time.time()
        a1, s1 = await connect(bridge, "alice")
        assert s1["status"] == "connected"
        assert s1["userId"] == "alice" and s1["admin"] is False
        assert s1["epoch"] == bridge.epoch  # the epoch the bridge printed
        assert s1["seq"] == 0  # a fresh segment: no event assigned yet
        assert isinstance(s1["sessionId"], str) and s1["sessionId"]
        assert TIMESTAMP.match(s1["serverTime"])
        assert s1["segment"]["name"] == segment
        assert re.fullmatch(r"[0-9a-f]{16}", s1["segment"]["epoch"])
        server_time = calendar.timegm(time.strptime(s1["serverTime"][:19], "%Y-%m-%dT%H:%M:%S"))
        assert abs(server_time - before) < 60

        bridge.publish([pnl("alice", i) for i in range(3)])
        first = [await recv_json(a1) for _ in range(3)]
        assert [m["seq"] for m in first] == [1, 2, 3]
        assert [event_view(m) for m in first] == [pnl("alice", i) for i in range(3)]

        # Later sessions: their own status, carrying the last seq assigned
        # before they were registered; nothing of theirs reaches a1.
        a2, s2 = await connect(bridge, "alice")
        adm, s3 = await connect(bridge, "ops", admin=True)
        bob, s4 = await connect(bridge, "bob")
        assert s2["seq"] == s3["seq"] == s4["seq"] == 3
        assert s3["admin"] is True and s3["userId"] == "ops"
        assert s4["userId"] == "bob" and s4["admin"] is False
        assert len({s1["sessionId"], s2["sessionId"], s3["sessionId"], s4["sessionId"]}) == 4
        assert {s["epoch"] for s in (s2, s3, s4)} == {bridge.epoch}

        bridge.publish([sentinel(1)])
        for ws in (a1, a2, adm, bob):
            before_sentinel, last = await until_sentinel(ws, 1)
            assert before_sentinel == [], before_sentinel  # no one else's connection:status
            assert last["seq"] == 4 and last["userId"] == ""
        await close_quietly(a1, a2, adm, bob)

    run(main())


# --- routing ------------------------------------------------------------------

def test_isolation_between_users_admin_and_global(bridge):
    async def main():
        users = ["alice", "bob", "carol"]
        clients = {u: (await connect(bridge, u))[0] for u in users}
        admin, _ = await connect(bridge, "ops", admin=True)

        def glob(n):
            return {"type": "BALANCE_UPDATE", "userId": "",
                    "payload": {"asset": f"G{n}", "walletBalance": float(n), "availableBalance": 1.5,
                                "crossUnrealizedPnl": -2.0, "balanceChange": 0.0}}

        # Users whose names are near the clients' (prefix, case, suffix) and a
        # user with no session: only the admin gets their events.
        events = [pnl("alice", 1), pnl("bob", 2), glob(3), pnl("alice", 4), pnl("Alice", 5), pnl("alic", 6),
                  pnl("alice ", 7), pnl("bob", 8), glob(9), pnl("dave", 10), pnl("ops", 11), pnl("alice", 12)]
        bridge.publish(events + [sentinel(1)])

        expected = {
            "alice": [e for e in events if e["userId"] in ("alice", "")],
            "bob": [e for e in events if e["userId"] in ("bob", "")],
            "carol": [e for e in events if e["userId"] == ""],
        }
        got_admin, last = await until_sentinel(admin, 1)
        for m in got_admin:
            check_envelope(m)
        assert [event_view(m) for m in got_admin] == events
        assert [m["seq"] for m in got_admin] == list(range(1, len(events) + 1))
        seq_of = {m["payload"].get("totalPnl", m["payload"].get("walletBalance")): m["seq"] for m in got_admin}
        for user in users:
            got, _ = await until_sentinel(clients[user], 1)
            for m in got:
                check_envelope(m)
            assert [event_view(m) for m in got] == expected[user], user
            # The same event has the same seq on every session.
            assert [m["seq"] for m in got] == [seq_of[float(e["payload"].get("totalPnl", e["payload"].get(
                "walletBalance")))] for e in expected[user]]
        await close_quietly(admin, *clients.values())

    run(main())


def test_randomized_isolation_8_users_1500_events(bridge):
    rng = random.Random(0x5EED_2026)
    users = [f"user-{i}" for i in range(8)]
    count = 1500

    def event(i):
        user = "" if rng.random() < 0.1 else rng.choice(users)
        kind = rng.randrange(3)
        if kind == 0:
            return pnl(user, i)
        if kind == 1:
            return {"type": "BALANCE_UPDATE", "userId": user,
                    "payload": {"asset": f"A{i}", "walletBalance": rng.randrange(10**6) / 4, "availableBalance": 0.0,
                                "crossUnrealizedPnl": -rng.randrange(1000) / 8, "balanceChange": float(i)}}
        return {"type": "system_log", "userId": user,
                "payload": {"level": rng.choice(["DEBUG", "INFO", "WARN", "ERROR"]), "source": "rand",
                            "message": f"event {i} \u00e9\u2603", "metadata": {"i": i, "u": user}}}

    events = [event(i) for i in range(count)]
    assert all(sum(e["userId"] == u for e in events) > 100 for u in users)  # the seed gives every user events

    async def main():
        # One session per user, a second one for user-0, and an admin.
        sessions = [(u, (await connect(bridge, u))[0]) for u in users]
        sessions.append(("user-0", (await connect(bridge, "user-0"))[0]))
        admin, status = await connect(bridge, "ops", admin=True)
        base = status["seq"]

        readers = [asyncio.create_task(until_sentinel(ws, 7)) for _, ws in sessions]
        admin_reader = asyncio.create_task(until_sentinel(admin, 7))
        await asyncio.to_thread(bridge.publish, events + [sentinel(7)])
        got_admin, admin_last = await admin_reader

        # The admin sees the whole stream, in order, with consecutive seqs.
        assert [event_view(m) for m in got_admin] == events
        assert [m["seq"] for m in got_admin] == list(range(base + 1, base + count + 1))
        assert admin_last["seq"] == base + count + 1
        for m in got_admin:
            check_envelope(m)

        cross = 0
        for (user, _), reader in zip(sessions, readers):
            got, last = await reader
            mine = [(base + 1 + i, e) for i, e in enumerate(events) if e["userId"] in (user, "")]
            cross += sum(m["userId"] not in (user, "") for m in got)
            assert [m["seq"] for m in got] == [s for s, _ in mine], user
            assert [event_view(m) for m in got] == [e for _, e in mine], user
            assert last["seq"] == base + count + 1
        assert cross == 0
        await close_quietly(admin, *(ws for _, ws in sessions))

    run(main(), timeout=50)


def test_unusual_user_ids_route_exactly(bridge):
    """User ids are compared as bytes and escaped in JSON: quotes, backslashes,
    non-ASCII, 4-byte characters, exactly 64 bytes."""
    users = ['q"uo\\te', "d\u00e9j\u00e0 vu", "\u00e9" * 32, "\U0001f600", "a/b?c=d&e", "e\u0301"]
    assert len(users[2].encode()) == 64

    async def main():
        sessions = [(u, (await connect(bridge, u))[0]) for u in users]
        events = [pnl(u, i) for i, u in enumerate(users)] + [pnl("\u00e9", 99)]
        bridge.publish(events + [sentinel(5)])
        for u, ws in sessions:
            got, _ = await until_sentinel(ws, 5)
            assert [event_view(m) for m in got] == [e for e in events if e["userId"] == u], u
        await close_quietly(*(ws for _, ws in sessions))

    run(main())


# --- authentication --------------------------------------------------------------

def test_token_in_query_header_or_subprotocol(bridge):
    async def main():
        token = mint("alice")
        ws = await open_ws(bridge, token)
        assert ws.subprotocol is None
        assert (await recv_json(ws))["userId"] == "alice"
        await ws.close()

        ws = await open_ws(bridge, None, extra_headers={"Authorization": f"Bearer {token}"})
        assert ws.subprotocol is None
        assert (await recv_json(ws))["userId"] == "alice"
        await ws.close()

        # Browsers cannot set headers: "Sec-WebSocket-Protocol: bearer, <token>",
        # and the bridge must answer with the subprotocol "bearer".
        ws = await open_ws(bridge, None, subprotocols=["bearer", token])
        assert ws.subprotocol == "bearer"
        assert ws.response_headers["Sec-WebSocket-Protocol"] == "bearer"
        status = await recv_json(ws)
        assert status["userId"] == "alice" and status["type"] == "connection:status"
        await ws.send('{"op":"ping"}')
        assert await recv_json(ws) == {"type": "pong"}
        await ws.close()

    run(main())


def raw_upgrade(bridge, path="/ws", headers=None):
    """A plain HTTP GET with the WebSocket upgrade headers: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=10)
    h = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    h.update(headers or {})
    try:
        conn.request("GET", path, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def _expired_token():
    return make_jwt({"sub": "alice", "exp": int(time.time()) - 60})


def _tampered_token():
    # alice's real token with the payload swapped for an admin one, signature kept.
    h, _, s = mint("alice").split(".")
    claims = {"sub": "alice", "exp": int(time.time()) + 600, "role": "admin"}
    return f"{h}.{b64url(json.dumps(claims, separators=(',', ':')).encode())}.{s}"


REFUSED = {
    "missing": (lambda: None, "missing_token"),
    "empty": (lambda: "", "missing_token"),
    "bad_signature_other_secret": (lambda: mint("alice", secret=OTHER_SECRET), "bad_signature"),
    "bad_signature_python_other_secret": (
        lambda: make_jwt({"sub": "alice", "exp": int(time.time()) + 600}, secret=OTHER_SECRET), "bad_signature"),
    "tampered_payload": (_tampered_token, "bad_signature"),
    "expired": (_expired_token, "expired_token"),
    "expired_now": (lambda: make_jwt({"sub": "alice", "exp": int(time.time())}), "expired_token"),
    "alg_none": (lambda: make_jwt({"sub": "alice", "exp": int(time.time()) + 600}, header={"alg": "none"})
                 .rsplit(".", 1)[0] + ".", "invalid_token"),
    "not_a_jwt": (lambda: "abc.def", "invalid_token"),
    "no_sub": (lambda: make_jwt({"exp": int(time.time()) + 600}), "invalid_token"),
    "not_yet_valid": (lambda: make_jwt({"sub": "alice", "exp": int(time.time()) + 600,
                                        "nbf": int(time.time()) + 300}), "invalid_token"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_tokens_get_401_with_json_body(bridge, case):
    make, code = REFUSED[case]
    token = make()

    # The status through the library, on each transport that can carry the token.
    async def attempt(**kwargs):
        with pytest.raises(InvalidStatusCode) as info:
            ws = await open_ws(bridge, None if kwargs else token, **kwargs)
            await ws.close()
        assert info.value.status_code == 401

    async def main():
        await attempt()
        if token:
            await attempt(extra_headers={"Authorization": f"Bearer {token}"})
            await attempt(subprotocols=["bearer", token])

    run(main())

    # The body, through a plain HTTP client.
    path = "/ws" if token is None else f"/ws?token={token}"
    status, headers, body = raw_upgrade(bridge, path)
    assert status == 401
    assert headers["content-type"] == "application/json"
    assert headers["www-authenticate"] == 'Bearer error="invalid_token"'
    doc = json.loads(body)
    assert set(doc) == {"error", "message"}
    assert doc["error"] == code, doc
    assert isinstance(doc["message"], str) and doc["message"]


def test_expired_ringcast_token(bridge):
    token = mint("alice", ttl="1s")
    exp = json.loads(b64url_decode(token.split(".")[1]))["exp"]
    while time.time() < exp:  # the bridge's clock, in whole seconds: now >= exp is expired
        time.sleep(0.05)
    status, _, body = raw_upgrade(bridge, f"/ws?token={token}")
    assert status == 401
    assert json.loads(body)["error"] == "expired_token"


def test_ringcast_token_refuses_a_ttl_that_is_not_positive():
    for ttl in ("0", "-1s", "-5", "0h", "1.5h"):
        out = mint("alice", ttl=ttl, check=False)
        assert out.returncode == 2, (ttl, out.stdout)
        assert out.stdout == ""
        assert "--ttl" in out.stderr


def test_ringcast_token_is_hs256_as_python_computes_it():
    now = int(time.time())
    for admin in (False, True):
        token = mint("alice", admin=admin, ttl="2h")
        header, claims, signature = token.split(".")
        assert json.loads(b64url_decode(header)) == {"alg": "HS256", "typ": "JWT"}
        c = json.loads(b64url_decode(claims))
        assert c["sub"] == "alice"
        assert abs(c["exp"] - (now + 7200)) <= 5
        assert c.get("role") == ("admin" if admin else None)
        assert set(c) == ({"sub", "exp", "role"} if admin else {"sub", "exp"})
        assert "=" not in token
        mac = hmac.new(SECRET.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
        assert signature == b64url(mac)


def test_python_minted_tokens_are_accepted(bridge):
    async def main():
        now = int(time.time())
        for claims, admin in (({"sub": "carol", "exp": now + 300}, False),
                              ({"sub": "carol", "exp": now + 300, "role": "admin"}, True),
                              ({"sub": "d\u00e9j\u00e0 vu", "exp": now + 300, "nbf": now - 5, "role": "viewer"}, False)):
            ws = await open_ws(bridge, make_jwt(claims))
            status = await recv_json(ws)
            assert status["userId"] == claims["sub"] and status["admin"] is admin
            await ws.close()

    run(main())


# --- ops ------------------------------------------------------------------------

def test_ping_pong(bridge):
    async def main():
        ws, _ = await connect(bridge, "alice")
        for _ in range(5):
            await ws.send('{"op":"ping"}')
            assert await recv_json(ws) == {"type": "pong"}
        await ws.send(' { "op" : "ping" , "extra": [1, {"x": null}] } ')
        assert await recv_json(ws) == {"type": "pong"}
        await ws.close()
        assert ws.close_code == 1000

    run(main())


def test_unknown_malformed_and_binary_ops_get_errors(bridge):
    async def main():
        ws, _ = await connect(bridge, "alice")
        await ws.send('{"op":"fly","topic":"x"}')
        assert await recv_json(ws) == {"type": "error", "code": "unknown_op", "message": 'unknown op "fly"'}

        for text in ("not json", "[1,2]", '{"op":7}', '{"nop":"ping"}'):
            await ws.send(text)
            reply = await recv_json(ws)
            assert reply["type"] == "error" and reply["code"] == "malformed", (text, reply)
            assert isinstance(reply["message"], str)

        await ws.send(b'{"op":"ping"}')
        reply = await recv_json(ws)
        assert reply["type"] == "error" and reply["code"] == "binary"

        # A long unknown name is cut in the echo, at a character boundary.
        await ws.send(json.dumps({"op": "\u00e9" * 100}))
        reply = await recv_json(ws)
        assert reply["code"] == "unknown_op"
        assert len(reply["message"].encode()) < 200

        # Still usable after errors (7 so far, under the limit of 10).
        await ws.send('{"op":"ping"}')
        assert await recv_json(ws) == {"type": "pong"}
        await ws.close()

    run(main())


def test_too_many_op_errors_close_1008(bridge):
    async def main():
        ws, _ = await connect(bridge, "alice")
        for i in range(10):
            await ws.send(json.dumps({"op": f"bad{i}"}))
        replies = []
        with pytest.raises(ConnectionClosed):
            while True:
                replies.append(await recv_json(ws))
        assert [r["code"] for r in replies] == ["unknown_op"] * 10
        assert ws.close_code == 1008
        assert ws.close_reason == "too many bad or rate-limited ops"

    run(main())


# --- protocol limits ---------------------------------------------------------------

def _padded_ping(size):
    text = '{"op":"ping","pad":"' + "x" * size + '"}'
    return text[:size - 2] + '"}' if len(text) > size else text


def test_message_of_4096_bytes_is_served_and_4097_closes_1009(bridge):
    async def main():
        ws, _ = await connect(bridge, "alice")
        at_limit = _padded_ping(4096)
        assert len(at_limit.encode()) == 4096
        await ws.send(at_limit)
        assert await recv_json(ws) == {"type": "pong"}

        over = _padded_ping(4097)
        assert len(over.encode()) == 4097
        await ws.send(over)
        with pytest.raises(ConnectionClosed):
            await recv_json(ws)
        assert ws.close_code == 1009
        assert ws.close_reason == ""

    run(main())


def test_fragmented_message_over_4096_bytes_closes_1009(bridge):
    token = mint("alice")
    ws = RawWebSocket(bridge.port, f"/ws?token={token}")
    try:
        assert ws.status == 101
        assert ws.recv_json()["type"] == "connection:status"
        # 5 fragments of 1000 bytes: each small, the message too big.
        body = _padded_ping(5000).encode()
        for i in range(0, 5000, 1000):
            ws.send_frame(OP_TEXT if i == 0 else OP_CONT, body[i:i + 1000], fin=i + 1000 >= 5000)
        assert ws.expect_close() == (1009, "")
    finally:
        ws.close()


def test_binary_message_over_4096_bytes_closes_1009(bridge):
    ws = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert ws.recv_json()["type"] == "connection:status"
        ws.send_frame(OP_BINARY, b"\0" * 10_000)
        assert ws.expect_close() == (1009, "")
    finally:
        ws.close()


INVALID_UTF8 = {
    "bad_byte": [(OP_TEXT, b'{"op":"\xff"}', True)],
    "overlong": [(OP_TEXT, b'{"op":"\xc0\xaf"}', True)],
    "surrogate": [(OP_TEXT, b'{"op":"\xed\xa0\x80"}', True)],
    "truncated_at_end": [(OP_TEXT, b'{"op":"ping"}\xe2\x82', True)],
    "bad_in_continuation": [(OP_TEXT, b'{"op":"pi', False), (OP_CONT, b'ng\x80"}', True)],
}


@pytest.mark.parametrize("case", list(INVALID_UTF8))
def test_invalid_utf8_text_closes_1007(bridge, case):
    ws = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert ws.status == 101
        assert ws.recv_json()["type"] == "connection:status"
        for opcode, payload, fin in INVALID_UTF8[case]:
            ws.send_frame(opcode, payload, fin)
        assert ws.expect_close() == (1007, "")
    finally:
        ws.close()


def test_utf8_split_across_fragments_is_valid(bridge):
    ws = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert ws.recv_json()["type"] == "connection:status"
        text = '{"op":"ping","note":"\u00e9\u20ac\U0001f600"}'.encode()
        # Cut inside each multi-byte character: one byte per fragment.
        for i, b in enumerate(text):
            ws.send_frame(OP_TEXT if i == 0 else OP_CONT, bytes([b]), fin=i == len(text) - 1)
        assert ws.recv_json() == {"type": "pong"}
        ws.send_frame(OP_TEXT, b'{"op":"ping"}')
        assert ws.recv_json() == {"type": "pong"}
    finally:
        ws.close()


# --- shutdown ----------------------------------------------------------------------

def test_sigterm_flushes_then_closes_1001_and_exits_0(bridge):
    async def main():
        # An unbounded receive queue: the library keeps reading the socket
        # (and so sees the close frame) while the test is not calling recv().
        alice, _ = await connect(bridge, "alice", max_queue=None)
        admin, _ = await connect(bridge, "ops", admin=True, max_queue=None)
        bob, _ = await connect(bridge, "bob", max_queue=None)
        events = [pnl("alice", i) for i in range(300)]
        bridge.publish(events)
        bridge.wait_drained(len(events))  # routed to the sessions' queues before the signal

        t0 = time.monotonic()
        rc = await asyncio.to_thread(bridge.terminate)
        elapsed = time.monotonic() - t0
        assert rc == 0
        assert elapsed < 1.2, elapsed  # not waiting out --shutdown-grace (1.5 s): the clients closed

        for ws, expect in ((alice, events), (admin, events), (bob, [])):
            got = []
            with pytest.raises(ConnectionClosed):
                while True:
                    got.append(event_view(await recv_json(ws)))
            # What the session had queued, then the close.
            assert got == expect
            assert ws.close_code == 1001
            assert ws.close_reason == "bridge shutting down"

    run(main())
    assert "stopping" in bridge.stderr()

    # Nothing listens any more.
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=2).request("GET", "/health")


def test_sigterm_with_a_raw_client_that_answers_the_close(bridge):
    ws = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert ws.recv_json()["type"] == "connection:status"
        t0 = time.monotonic()
        bridge.proc.send_signal(signal.SIGTERM)
        assert ws.expect_close() == (1001, "bridge shutting down")
        bridge.returncode = bridge.proc.wait(5)
        assert bridge.returncode == 0
        # Its only session closed cleanly: no waiting out --shutdown-grace (1.5 s).
        assert time.monotonic() - t0 < 1.0
    finally:
        ws.close()


# --- ordering of the first messages, under concurrency --------------------------------

def test_ping_sent_before_connection_status_is_answered_after_it(bridge):
    ws = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert ws.status == 101
        ws.send_frame(OP_TEXT, b'{"op":"ping"}')  # at once, before reading anything
        ws.send_frame(OP_TEXT, b'{"op":"nope"}')
        assert ws.recv_json()["type"] == "connection:status"
        assert ws.recv_json() == {"type": "pong"}
        assert ws.recv_json()["code"] == "unknown_op"
    finally:
        ws.close()


def test_sessions_joining_during_a_stream_get_everything_after_their_status_seq(bridge):
    """connection:status "seq" is the last event the session will not get:
    every visible event after it follows, none before it, none twice."""
    rng = random.Random(20261122)
    users = ["alice", "bob", "carol", "dave"]
    count = 800
    events = [pnl("" if rng.random() < 0.15 else rng.choice(users), i) for i in range(count)]

    def feed():
        # One ringcast-publish reading stdin as it arrives, fed in small
        # bursts so that sessions join in the middle of the stream.
        proc = subprocess.Popen([tool("RINGCAST_PUBLISH_BIN"), "--segment", bridge.segment, "--wait-ms", "5000"],
                                stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True)
        for i, e in enumerate(events):
            proc.stdin.write(json.dumps(e) + "\n")
            if i % 20 == 19:
                proc.stdin.flush()
                time.sleep(0.01)
        proc.stdin.close()
        assert proc.wait(30) == 0, proc.stderr.read()
        proc.stderr.close()

    async def main():
        observer, status = await connect(bridge, "root", admin=True, max_queue=None)
        assert status["seq"] == 0
        observed = asyncio.create_task(until_sentinel(observer, 3))
        feeder = asyncio.create_task(asyncio.to_thread(feed))
        joiners = []
        for k in range(16):
            await asyncio.sleep(0.02)
            who = "ops" if k % 4 == 0 else users[k % len(users)]
            ws, st = await connect(bridge, who, admin=who == "ops", max_queue=None)
            joiners.append((who, ws, st, asyncio.create_task(until_sentinel(ws, 3))))
        await feeder
        bridge.publish([sentinel(3)])

        full, _ = await observed
        assert [event_view(m) for m in full] == events
        assert [m["seq"] for m in full] == list(range(1, count + 1))
        joined_mid_stream = 0
        for who, ws, st, task in joiners:
            got, _ = await task
            after = [m for m in full if m["seq"] > st["seq"] and (who == "ops" or m["userId"] in (who, ""))]
            assert got == after, (who, st["seq"])
            joined_mid_stream += 0 < st["seq"] < count
        assert joined_mid_stream > 0  # the sessions did join while events flowed
        await close_quietly(observer, *(j[1] for j in joiners))

    run(main())


# --- limits and HTTP answers around /ws -------------------------------------------------

def test_op_rate_limit(start_bridge):
    bridge = start_bridge("--ops-per-second", "1", "--ops-burst", "3")

    async def main():
        ws, _ = await connect(bridge, "alice")
        for _ in range(5):
            await ws.send('{"op":"ping"}')
        replies = [await recv_json(ws) for _ in range(5)]
        assert replies[:3] == [{"type": "pong"}] * 3
        assert [r.get("code") for r in replies[3:]] == ["rate_limited"] * 2
        await ws.close()

    run(main())


def test_per_user_connection_limit_429(start_bridge):
    bridge = start_bridge("--max-connections-per-user", "2")

    async def main():
        a1, _ = await connect(bridge, "alice")
        a2, _ = await connect(bridge, "alice")
        with pytest.raises(InvalidStatusCode) as info:
            await open_ws(bridge, mint("alice"))
        assert info.value.status_code == 429
        bob, _ = await connect(bridge, "bob")  # other users are not affected
        await a1.close()
        # The slot comes back once the bridge has seen the close.
        deadline = time.monotonic() + 5
        while True:
            try:
                a3, _ = await connect(bridge, "alice")
                break
            except InvalidStatusCode as e:
                assert e.status_code == 429
                assert time.monotonic() < deadline, "alice's slot was not given back"
                await asyncio.sleep(0.05)
        await close_quietly(a2, a3, bob)

    run(main())
    status, _, body = raw_upgrade(bridge)  # no token: 401 before any limit
    assert status == 401


def test_http_answers_around_ws(bridge):
    token = mint("alice")
    status, _, body = raw_upgrade(bridge, f"/elsewhere?token={token}")
    assert status == 404 and json.loads(body)["error"] == "not_found"
    status, _, body = raw_upgrade(bridge, f"/ws?token={token}", {"Origin": "http://evil.example"})
    assert status == 403 and json.loads(body)["error"] == "origin_not_allowed"
    conn = http.client.HTTPConnection("127.0.0.1", bridge.port, timeout=10)
    conn.request("GET", "/ws")
    r = conn.getresponse()
    assert r.status == 426 and json.loads(r.read())["error"] == "upgrade_required"
    conn.close()


def test_non_bearer_authorization_header_is_invalid_token(bridge):
    for value in ("Basic YWxpY2U6cHc=", "Bearer "):
        status, _, body = raw_upgrade(bridge, "/ws", {"Authorization": value})
        assert status == 401
        assert json.loads(body)["error"] == "invalid_token"


def test_bearer_anywhere_in_the_subprotocol_list(bridge):
    async def main():
        token = mint("alice")
        for offered in (["json", "bearer", token], ["bearer", token, "json"]):
            ws = await open_ws(bridge, None, subprotocols=offered)
            assert ws.subprotocol == "bearer", offered
            assert (await recv_json(ws))["userId"] == "alice"
            await ws.close()

    run(main())


def test_heartbeat_pings_and_silent_peers_are_cut(start_bridge):
    bridge = start_bridge("--ping-interval", "100ms", "--idle-timeout", "500ms")

    # A peer that never answers: pinged, then disconnected without a close
    # frame (it could not take part in a close handshake).
    raw = RawWebSocket(bridge.port, f"/ws?token={mint('alice')}")
    try:
        assert raw.recv_json()["type"] == "connection:status"
        t0 = time.monotonic()
        pings = 0
        with pytest.raises((EOFError, ConnectionResetError)):
            while True:
                _, opcode, _ = raw.recv_frame()
                assert opcode == OP_PING, opcode  # no close frame
                pings += 1
        elapsed = time.monotonic() - t0
        assert pings >= 2
        assert 0.4 < elapsed < 3, elapsed
    finally:
        raw.close()

    # websockets answers pings by itself: the session outlives the idle timeout.
    async def main():
        ws, _ = await connect(bridge, "bob")
        await asyncio.sleep(1.2)
        await ws.send('{"op":"ping"}')
        assert await recv_json(ws) == {"type": "pong"}
        await ws.close()
        assert ws.close_code == 1000

    run(main())
