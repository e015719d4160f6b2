// The JavaScript client (build/web/client.js) against real ringcast-bridge
// processes, with Node's `ws` as its WebSocket and a TCP proxy as the flaky
// network: the token travels in the subprotocol, events reach their
// handlers, reconnects back off on schedule, a dropped connection resumes
// with nothing missing or doubled, the snapshot poll runs only while the
// socket is down, and gaps make the client re-read the snapshot.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  freePort, loadClient, recordingWebSocket, removeSegment, sleep, startBridge, startProxy, startPublisher,
  token, uniqueSegment, waitFor,
} from "./harness.mjs";

const rc = await loadClient();

// A fetch that counts the /api/snapshot requests the client makes.
function countingFetch() {
  const calls = [];
  const f = async (url, init) => {
    calls.push({ url: String(url), at: Date.now(), auth: init?.headers?.Authorization ?? null });
    return fetch(url, init);
  };
  return { fetch: f, calls };
}

// Everything a handler got, in order.
function recorder(client, type = "*") {
  const got = [];
  client.subscribe(type, (e, source) => got.push({ e, source }));
  return got;
}

describe("backoffDelay", () => {
  test("doubles from 1 s to the 30 s cap, spread ±20 %", () => {
    const mid = () => 0.5;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((a) => rc.backoffDelay(a, undefined, mid)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(rc.backoffDelay(1, undefined, () => 0), 800);
    assert.equal(rc.backoffDelay(1, undefined, () => 0.999999), 1200);
    assert.equal(rc.backoffDelay(20, undefined, () => 0.999999), 30000, "never beyond the cap");
    assert.equal(rc.backoffDelay(5, undefined, () => 0), 12800);
  });
});

describe("against a bridge", () => {
  const segment = uniqueSegment();
  let bridge;
  let pub;
  before(async () => {
    bridge = await startBridge(segment);
    pub = startPublisher(segment);
  });
  after(async () => {
    await pub.end();
    await bridge.stopClean();
    removeSegment(segment);
  });

  test("the token goes in the subprotocol, not the URL; events reach the handlers of their type", async () => {
    const ws = recordingWebSocket();
    const counted = countingFetch();
    const t = token("alice");
    const client = rc.connect({ url: bridge.url, token: t, WebSocket: ws.WebSocket, fetch: counted.fetch });
    const pnl = recorder(client, "PNL_UPDATE");
    const all = recorder(client);
    let status = null;
    client.on("connect", (s) => { status = s; });
    await waitFor(() => client.isConnected(), 5000, "connected");
    assert.equal(status.userId, "alice");
    assert.equal(status.type, "connection:status");
    assert.deepEqual(ws.opened[0].protocols, ["bearer", t]);
    assert.ok(!ws.opened[0].url.includes(t), "the token is not in the URL: " + ws.opened[0].url);
    // The first connection reads the snapshot once, with the token in a header.
    await waitFor(() => counted.calls.length === 1, 3000, "the first snapshot");
    assert.equal(counted.calls[0].auth, "Bearer " + t);

    pub.publish("PNL_UPDATE", "alice", { totalPnl: 1.5 });
    pub.publish("ORDER_UPDATE", "alice", { orderId: 7, symbol: "BTCUSDT" });
    pub.publish("PNL_UPDATE", "bob", { totalPnl: 99 });  // not alice's
    pub.publish("PNL_UPDATE", "", { totalPnl: 2.5 });  // global
    await waitFor(() => all.length === 3, 5000, "three events");
    assert.deepEqual(pnl.map((x) => x.e.payload.totalPnl), [1.5, 2.5]);
    assert.deepEqual(all.map((x) => x.e.type), ["PNL_UPDATE", "ORDER_UPDATE", "PNL_UPDATE"]);
    assert.ok(all.every((x) => x.source === "live"));
    assert.equal(all[1].e.payload.orderId, 7);
    // An unsubscribed handler gets nothing more.
    const off = client.subscribe("PNL_UPDATE", () => assert.fail("unsubscribed handler called"));
    off();
    pub.publish("PNL_UPDATE", "alice", { totalPnl: 3 });
    await waitFor(() => pnl.length === 3, 5000, "the fourth event");
    assert.equal(counted.calls.length, 1, "no poll while the socket is up");
    client.close();
  });

  test("events published before the connection arrive from the snapshot, each state once", async () => {
    pub.publish("POSITION_UPDATE", "carol", { symbol: "BTCUSDT", side: "LONG", size: 1 });
    pub.publish("POSITION_UPDATE", "carol", { symbol: "ETHUSDT", side: "LONG", size: 2 });
    pub.publish("POSITION_UPDATE", "carol", { symbol: "BTCUSDT", side: "LONG", size: 3 });
    // Published before anyone of carol's listens: only the snapshot has them.
    await waitFor(async () => (await (await fetch(bridge.url + "/api/snapshot", {
      headers: { Authorization: "Bearer " + token("carol") } })).json()).events.filter((e) => e.userId === "carol").length === 2,
    5000, "carol's positions in the snapshot");
    const client = rc.connect({ url: bridge.url, token: token("carol"), WebSocket: recordingWebSocket().WebSocket });
    const got = recorder(client, "POSITION_UPDATE");
    await waitFor(() => got.length === 2, 5000, "two positions from the snapshot");
    assert.deepEqual(got.map((x) => [x.e.payload.symbol, x.e.payload.size, x.source]),
      [["ETHUSDT", 2, "snapshot"], ["BTCUSDT", 3, "snapshot"]]);
    // A second read hands on nothing it already has.
    await client.refresh();
    assert.equal(got.length, 2);
    pub.publish("POSITION_UPDATE", "carol", { symbol: "BTCUSDT", side: "LONG", size: 4 });
    await waitFor(() => got.length === 3, 5000, "the live update");
    assert.equal(got[2].source, "live");
    await client.refresh();
    assert.equal(got.length, 3, "the snapshot's BTCUSDT is the one the stream gave: not handed on again");
    client.close();
  });

  test("a dropped connection resumes: every event exactly once, in order, replayed then live", async () => {
    const proxy = await startProxy(bridge.port);
    const ws = recordingWebSocket();
    const client = rc.connect({ url: proxy.url, token: token("dave"), WebSocket: ws.WebSocket,
      backoff: { initialMs: 100, maxMs: 400 } });
    const got = recorder(client, "ORDER_UPDATE");  // (the earlier tests' global events come too)
    const gaps = [];
    client.on("gap", (g) => gaps.push(g));
    const downs = [];
    client.on("disconnect", (d) => downs.push(d));
    await waitFor(() => client.isConnected(), 5000, "connected");
    const total = 600;
    let n = 0;
    const publishSome = (k) => { for (let i = 0; i < k; i++, n++) pub.publish("ORDER_UPDATE", "dave", { orderId: n }); };
    publishSome(100);
    await waitFor(() => got.length >= 50, 5000, "some events");
    for (let round = 0; round < 4; round++) {
      proxy.cut();  // a network blip: no close frame
      publishSome(50);  // while it is down
      await waitFor(() => !client.isConnected(), 2000, "noticed the cut");
      publishSome(50);
      await waitFor(() => client.isConnected(), 5000, "reconnected");
      publishSome(25);
    }
    publishSome(total - n);
    await waitFor(() => got.length >= total, 10000, `all ${total} events (got ${got.length})`);
    await sleep(200);
    assert.equal(got.length, total, "no duplicates");
    assert.deepEqual(got.map((x) => x.e.payload.orderId).sort((p, q) => p - q), [...Array(total).keys()], "no gaps");
    // The stream (live and replayed) is in order; a snapshot poll during an
    // outage may have handed on the latest order ahead of its replay.
    const streamed = got.filter((x) => x.source !== "snapshot");
    for (let i = 1; i < streamed.length; i++) assert.ok(streamed[i].e.seq > streamed[i - 1].e.seq, "in seq order");
    assert.ok(got.some((x) => x.source === "replay"), "some events came from the replay");
    assert.deepEqual(gaps, [], "a resume within the history is no gap");
    assert.equal(downs.length, 4);
    assert.ok(ws.opened.length >= 5);
    // Every reconnection asked to resume from where it was.
    for (const o of ws.opened.slice(1)) assert.match(o.url, /[?&]epoch=[0-9a-f]{16}&lastSeq=\d+/);
    client.close();
    await proxy.close();
  });

  test("the snapshot is polled while, and only while, the socket is down", async () => {
    const proxy = await startProxy(bridge.port);
    const counted = countingFetch();
    const client = rc.connect({ url: proxy.url, token: token("erin"), WebSocket: recordingWebSocket().WebSocket,
      fetch: counted.fetch, pollIntervalMs: 250, backoff: { initialMs: 200, maxMs: 200 } });
    const states = [];
    client.on("state", (s) => states.push(s));
    await waitFor(() => client.isConnected(), 5000, "connected");
    await waitFor(() => counted.calls.length === 1, 3000, "the first snapshot");
    await sleep(700);
    assert.equal(counted.calls.length, 1, "no polling while live");
    assert.equal(client.state().polling, false);

    // WebSocket broken, HTTP fine (a proxy that does not pass upgrades).
    proxy.refuseWebSockets(true);
    proxy.cut();
    pub.publish("BALANCE_UPDATE", "erin", { asset: "USDT", walletBalance: 42 });
    const balances = recorder(client, "BALANCE_UPDATE");
    await waitFor(() => client.state().polling, 2000, "polling");
    await waitFor(() => balances.length === 1, 3000, "the balance, from a poll");
    assert.equal(balances[0].source, "snapshot");
    assert.equal(balances[0].e.payload.walletBalance, 42);
    await sleep(1000);
    const polls = counted.calls.length - 1;
    assert.ok(polls >= 2 && polls <= 8, `about one poll per 250 ms while down (${polls} in ~1.2 s)`);
    assert.ok(client.state().lastPollAt !== null, "the state says a poll succeeded");
    assert.equal(client.state().socket, "down");
    assert.ok(client.state().nextAttemptAt !== null);

    // WebSocket back: polling stops at once.
    proxy.refuseWebSockets(false);
    await waitFor(() => client.isConnected(), 3000, "reconnected");
    assert.equal(client.state().polling, false);
    const atReconnect = counted.calls.length;
    await sleep(800);
    assert.equal(counted.calls.length, atReconnect, "no poll after the socket came back");
    assert.ok(states.some((s) => s.polling) && !states.at(-1).polling);
    client.close();
    await proxy.close();
  });

  test("a slow client's stream:gap makes it re-read the snapshot and end with the latest state", async (t) => {
    // Its own bridge, with a small session queue (64 KiB, 256 messages).
    const seg = uniqueSegment();
    const small = await startBridge(seg, { args: ["--queue-bytes", "65536", "--queue-messages", "256", "--slow-close-after", "60s"] });
    const pub = startPublisher(seg);
    t.after(async () => {
      await pub.end();
      await small.stopClean();
      removeSegment(seg);
    });
    const ws = recordingWebSocket();
    const counted = countingFetch();
    const client = rc.connect({ url: small.url, token: token("frank"), WebSocket: ws.WebSocket, fetch: counted.fetch });
    const gaps = [];
    client.on("gap", (g) => gaps.push(g));
    const orders = recorder(client, "ORDER_UPDATE");
    const pnl = recorder(client, "PNL_UPDATE");
    await waitFor(() => client.isConnected(), 5000, "connected");
    await waitFor(() => counted.calls.length === 1, 3000, "the first snapshot");
    // Stop reading the socket: the session's 64 KiB queue fills and drops.
    ws.opened[0].socket._socket.pause();
    const filler = "x".repeat(200);
    for (let i = 0; i < 2000; i++) pub.publish("ORDER_UPDATE", "frank", { orderId: i, clientOrderId: filler.slice(0, 36) });
    for (let i = 0; i < 50; i++) pub.publish("PNL_UPDATE", "frank", { totalPnl: i });
    await sleep(500);
    ws.opened[0].socket._socket.resume();
    await waitFor(() => gaps.some((g) => g.kind === "stream"), 5000, "a stream:gap");
    await waitFor(() => pnl.length > 0 && pnl.at(-1).e.payload.totalPnl === 49, 5000, "the latest PnL");
    const g = gaps.find((x) => x.kind === "stream");
    assert.equal(g.reason, "slow_consumer");
    assert.ok(g.toSeq >= g.fromSeq);
    await waitFor(() => counted.calls.length >= 2, 3000, "the snapshot re-read after the gap");
    assert.ok(orders.length < 2000, "some orders were dropped for this slow client");
    client.close();
  });

  test("a bridge restart (new epoch) is a resume:gap: the client re-reads the snapshot and misses no state", async () => {
    const proxy = await startProxy(bridge.port);
    const segment2 = uniqueSegment();
    let second = null;
    const counted = countingFetch();
    const client = rc.connect({ url: proxy.url, token: token("gina"), WebSocket: recordingWebSocket().WebSocket,
      fetch: counted.fetch, backoff: { initialMs: 100, maxMs: 200 }, pollIntervalMs: 60000 });
    const gaps = [];
    let gapAt = 0;
    client.on("gap", (g) => { gaps.push(g); gapAt = Date.now(); });
    const pnl = recorder(client, "PNL_UPDATE");
    await waitFor(() => client.isConnected(), 5000, "connected");
    const firstEpoch = client.state().epoch;
    try {
      // The same dashboard, now in front of another bridge run.
      second = await startBridge(segment2);
      const pub2 = startPublisher(segment2);
      pub2.publish("PNL_UPDATE", "gina", { totalPnl: 77 });
      await sleep(300);
      proxy.retarget(second.port);
      proxy.cut();
      await waitFor(() => gaps.length === 1, 5000, "resume:gap");
      assert.deepEqual(gaps[0], { kind: "resume", reason: "epoch" });
      await waitFor(() => counted.calls.some((c) => c.at >= gapAt), 3000, "the snapshot read after resume:gap");
      await waitFor(() => pnl.some((x) => x.e.payload.totalPnl === 77 && x.source === "snapshot"), 5000,
        "the new run's PnL from the snapshot");
      assert.notEqual(client.state().epoch, firstEpoch);
      pub2.publish("PNL_UPDATE", "gina", { totalPnl: 78 });
      await waitFor(() => pnl.at(-1).e.payload.totalPnl === 78 && pnl.at(-1).source === "live", 5000, "live again");
      await pub2.end();
    } finally {
      client.close();
      await proxy.close();
      if (second) await second.stopClean();
      removeSegment(segment2);
    }
  });

  test("an expired token stops the client and says so", async () => {
    const counted = countingFetch();
    const ws = recordingWebSocket();
    const t = token("hank", { ttl: "1s" });
    await sleep(2100);  // expired now
    const client = rc.connect({ url: bridge.url, token: t, WebSocket: ws.WebSocket, fetch: counted.fetch,
      backoff: { initialMs: 100, maxMs: 100 } });
    await waitFor(() => client.state().unauthorized !== null, 5000, "unauthorized");
    assert.match(client.state().unauthorized, /expired/);
    assert.equal(client.isConnected(), false);
    const polls = counted.calls.length;
    const attempts = ws.opened.length;
    await sleep(500);
    assert.equal(counted.calls.length, polls, "no more polls");
    assert.equal(ws.opened.length, attempts, "no more attempts");
    client.close();
  });

  test("backoff: attempts against a port nothing listens on follow the schedule", async () => {
    const port = await freePort();
    const ws = recordingWebSocket();
    const client = rc.connect({ url: `http://127.0.0.1:${port}`, token: token("ivan"), WebSocket: ws.WebSocket,
      backoff: { initialMs: 100, maxMs: 400 }, random: () => 0.5, pollIntervalMs: 60000, fetch: async () => { throw new Error("down"); } });
    await waitFor(() => ws.opened.length >= 6, 5000, "six attempts");
    client.close();
    const gaps = ws.opened.slice(1, 6).map((o, i) => o.at - ws.opened[i].at);
    const want = [100, 200, 400, 400, 400];
    for (let i = 0; i < want.length; i++)
      assert.ok(gaps[i] >= want[i] - 5 && gaps[i] < want[i] + 250, `attempt ${i + 2} after ${gaps[i]} ms, want ${want[i]}`);
    const before = ws.opened.length;
    await sleep(600);
    assert.equal(ws.opened.length, before, "close() stops the retries");
  });
});
