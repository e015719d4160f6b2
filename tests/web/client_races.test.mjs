// The client's orderings that a real bridge produces only by chance: a
// snapshot answered after the socket came back, or by the previous bridge
// run; a gap notice whose range reaches past queued events; a poll during
// an outage ahead of the replay. A scripted WebSocket and fetch make each
// one happen every time (client.test.mjs covers the same client against
// real bridges).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import path from "node:path";
import { loadClient, sleep, waitFor, webDir } from "./harness.mjs";

const rc = await loadClient();
const { DashboardState } = await import(pathToFileURL(path.join(webDir, "dashboard/state.js")).href);

// A WebSocket the test speaks for.
function scriptedSockets() {
  const opened = [];
  class Scripted {
    constructor(url, protocols) {
      Object.assign(this, { url, protocols, onopen: null, onmessage: null, onclose: null, onerror: null, closed: false });
      opened.push(this);
    }
    close() { this.closed = true; }
    send() {}
    say(...messages) { for (const m of messages) this.onmessage?.({ data: JSON.stringify(m) }); }
    drop() { this.onclose?.({ code: 1006, reason: "" }); }
  }
  return { WebSocket: Scripted, opened, last: () => opened.at(-1) };
}

// A fetch whose answers the test releases one by one (or at once, `auto`).
function scriptedFetch(answer, { auto = false } = {}) {
  const pending = [];
  const calls = [];
  const f = (url) => {
    calls.push(Date.now());
    const n = calls.length;
    return new Promise((resolve, reject) => {
      const release = () => {
        const a = answer(n);
        if (a instanceof Error) reject(a);
        else resolve({ status: a.status ?? 200, ok: (a.status ?? 200) < 400, json: async () => a.body });
      };
      if (auto) queueMicrotask(release);
      else pending.push(release);
    });
  };
  return { fetch: f, calls, releaseAll: () => { while (pending.length) pending.shift()(); }, pending };
}

const status = (epoch, seq) => ({ type: "connection:status", status: "connected", userId: "u", admin: false,
  sessionId: "1", serverTime: "", epoch, seq, segment: { name: "s", epoch: "x" } });
const ev = (type, seq, payload) => ({ type, seq, timestamp: "2026-12-02T00:00:00.000000Z", userId: "u", payload });
const snap = (epoch, events = []) => ({ body: { epoch, events } });

function record(client) {
  const got = [];
  client.subscribe("*", (e, source) => got.push([e.type, e.seq, source]));
  return got;
}

test("a poll answered after the socket flapped does not start a second poll loop", async () => {
  const ws = scriptedSockets();
  const f = scriptedFetch(() => snap("e1"));
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch, pollIntervalMs: 100,
    backoff: { initialMs: 20, maxMs: 20 } });
  ws.last().drop();  // down: poll 1 in flight
  await waitFor(() => ws.opened.length === 2, 1000, "a reconnect");
  ws.last().say(status("e1", 0));  // live (poll 1 still in flight)
  ws.last().drop();  // down again: another loop starts
  f.releaseAll();  // poll 1 answers now
  // Keep the socket down and answer every poll at once for one second.
  const keepDown = setInterval(() => { const s = ws.last(); if (!s.closed && !s.dead) { s.dead = true; s.drop(); } }, 5);
  const answer = setInterval(() => f.releaseAll(), 1);
  const before = f.calls.length;
  await sleep(1000);
  clearInterval(keepDown);
  clearInterval(answer);
  const polls = f.calls.length - before;
  assert.ok(polls >= 6 && polls <= 13, `one loop: about 10 polls in 1 s at 100 ms (got ${polls})`);
  c.close();
  const after = f.calls.length;
  await sleep(300);
  assert.equal(f.calls.length, after, "no poll after close()");
});

test("a snapshot the previous bridge run answered late does not undo the new run's state", async () => {
  const ws = scriptedSockets();
  const f = scriptedFetch((n) => (n === 1 ? snap("old", [ev("PNL_UPDATE", 5, { totalPnl: 1 })])
    : snap("new", [ev("PNL_UPDATE", 1, { totalPnl: 99 })])));
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch, backoff: { initialMs: 10, maxMs: 10 },
    pollIntervalMs: 60000 });
  const pnl = [];
  c.subscribe("PNL_UPDATE", (e, s) => pnl.push([e.payload.totalPnl, s]));
  ws.last().say(status("old", 4));  // the first snapshot is asked of the old run...
  ws.last().drop();
  await waitFor(() => ws.opened.length === 2, 1000, "a reconnect");
  ws.last().say(status("new", 0), { type: "resume:gap", reason: "epoch", epoch: "new", lastSeq: 4, seq: 0,
    snapshot: "/api/snapshot", message: "" }, ev("PNL_UPDATE", 1, { totalPnl: 99 }));
  f.releaseAll();  // ...and answers now, after the new run's PnL
  await sleep(20);
  f.releaseAll();  // the re-read, from the new run
  await sleep(20);
  assert.deepEqual(pnl.at(-1), [99, "live"], JSON.stringify(pnl));
  assert.ok(!pnl.some(([v]) => v === 1), "the old run's PnL was never handed on: " + JSON.stringify(pnl));
  c.close();
});

test("a stream:gap whose range reaches past queued events hands nothing on twice", async () => {
  const ws = scriptedSockets();
  const f = scriptedFetch((n) => (n === 1 ? snap("e") : snap("e", [ev("ORDER_UPDATE", 20, { orderId: 1, updateTime: 2 }),
    ev("PNL_UPDATE", 21, { totalPnl: 5 })])));
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch });
  const got = record(c);
  ws.last().say(status("e", 0));
  f.releaseAll();
  await sleep(10);
  ws.last().say({ type: "stream:gap", fromSeq: 10, toSeq: 30, dropped: 5, reason: "slow_consumer" });
  f.releaseAll();  // the snapshot answers before the events queued behind the notice arrive
  await sleep(10);
  ws.last().say(ev("ORDER_UPDATE", 20, { orderId: 1, updateTime: 2 }), ev("PNL_UPDATE", 21, { totalPnl: 5 }));
  const seqs = got.map(([, seq]) => seq);
  assert.deepEqual(seqs.sort(), [20, 21], "each once: " + JSON.stringify(got));
  assert.deepEqual(got.find(([t]) => t === "ORDER_UPDATE"), ["ORDER_UPDATE", 20, "live"], "the stream's order from the stream");
  c.close();
});

test("an order seen by an outage poll and then replayed: in order, once, and not left open", async () => {
  const ws = scriptedSockets();
  const order = (seq, status, t) => ev("ORDER_UPDATE", seq, { orderId: 7, status, updateTime: t });
  const f = scriptedFetch((n) => (n === 1 ? snap("e") : snap("e", [order(12, "FILLED", 1200), ev("PNL_UPDATE", 13, { totalPnl: 3 })])),
    { auto: true });
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch, backoff: { initialMs: 30, maxMs: 30 } });
  const dash = new DashboardState();
  const got = [];
  c.subscribe("*", (e, s) => { dash.apply(e); got.push([e.type, e.seq, s]); });
  ws.last().say(status("e", 9));
  await sleep(10);
  ws.last().drop();  // the outage poll reads FILLED (12) and the PnL (13)
  await waitFor(() => f.calls.length >= 2, 1000, "the outage poll");
  await sleep(5);
  assert.deepEqual(got.map(([t, seq, s]) => [t, seq, s]), [["PNL_UPDATE", 13, "snapshot"]], "state from the poll; the order waits");
  await waitFor(() => ws.opened.length === 2, 1000, "a reconnect");
  ws.last().say(status("e", 13), { type: "resume:ok", epoch: "e", lastSeq: 9, toSeq: 13 },
    order(10, "NEW", 1000), order(11, "PARTIALLY_FILLED", 1100), order(12, "FILLED", 1200), ev("PNL_UPDATE", 13, { totalPnl: 3 }));
  assert.deepEqual(got.filter(([t]) => t === "ORDER_UPDATE").map(([, seq, s]) => [seq, s]), [[10, "replay"], [11, "replay"], [12, "replay"]]);
  assert.equal(got.filter(([t]) => t === "PNL_UPDATE").length, 1, "the PnL the poll gave is not handed on again");
  assert.deepEqual([...dash.orders.keys()], [], "the filled order is not left open");
  c.close();
});

test("a state the handlers have in a newer version is not handed on again in an older one", async () => {
  const ws = scriptedSockets();
  const pos = (seq, size) => ev("POSITION_UPDATE", seq, { symbol: "BTCUSDT", side: "LONG", size });
  const f = scriptedFetch((n) => (n === 1 ? snap("e") : snap("e", [pos(15, 3)])), { auto: true });
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch, backoff: { initialMs: 30, maxMs: 30 } });
  const sizes = [];
  c.subscribe("POSITION_UPDATE", (e, s) => sizes.push([e.payload.size, s]));
  ws.last().say(status("e", 9));
  await sleep(10);
  ws.last().drop();
  await waitFor(() => sizes.length === 1, 1000, "the poll's position");
  await waitFor(() => ws.opened.length === 2, 1000, "a reconnect");
  ws.last().say(status("e", 15), { type: "resume:ok", epoch: "e", lastSeq: 9, toSeq: 15 }, pos(12, 1), pos(15, 3), pos(16, 4));
  assert.deepEqual(sizes, [[3, "snapshot"], [4, "live"]]);
  c.close();
});

test("a failed snapshot is tried again while the socket is up", async () => {
  const ws = scriptedSockets();
  const f = scriptedFetch((n) => (n === 1 ? { status: 503, body: {} } : n === 2 ? new Error("reset") : snap("e", [ev("PNL_UPDATE", 3, { totalPnl: 8 })])),
    { auto: true });
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch, backoff: { initialMs: 50, maxMs: 100 } });
  const got = record(c);
  ws.last().say(status("e", 3));
  await waitFor(() => got.length === 1, 2000, "the snapshot, third try");
  assert.equal(f.calls.length, 3);
  await sleep(300);
  assert.equal(f.calls.length, 3, "no more reads once one succeeded");
  c.close();
});

test("a bridge that closes right after accepting is retried with a growing backoff", async () => {
  const ws = scriptedSockets();
  const f = scriptedFetch(() => snap("e"), { auto: true });
  const c = rc.connect({ url: "http://x", token: "t", WebSocket: ws.WebSocket, fetch: f.fetch,
    backoff: { initialMs: 40, maxMs: 1000 }, random: () => 0.5, pollIntervalMs: 60000 });
  const at = [];
  for (let i = 0; i < 4; i++) {
    await waitFor(() => ws.opened.length === i + 1, 3000, `attempt ${i + 1}`);
    at.push(Date.now());
    ws.last().say(status("e", 0));  // accepted...
    ws.last().drop();  // ...and closed at once (1013, 1008)
  }
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  assert.ok(gaps[0] >= 35 && gaps[1] >= 75 && gaps[2] >= 155, "40, 80, 160 ms: " + gaps);
  c.close();
});
