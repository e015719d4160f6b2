// A live view of everything the bridge sends this user: the latest event of
// each type and the stream, over one WebSocket. The token comes from the
// page's ?token= and is sent as the "bearer" subprotocol (browsers cannot
// set an Authorization header on a WebSocket). Reconnects with backoff and
// resumes where it left off; while the socket is down, or when the bridge
// cannot replay what was missed, /api/snapshot fills the table.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const latest = new Map();  // type -> {count, frame}
const statusEl = document.getElementById("status");
const tbody = document.querySelector("#latest tbody");
const stream = document.getElementById("stream");
let received = 0, lastRateAt = performance.now(), lastRateCount = 0;
let backoffMs = 250;

function setStatus(up, text) {
  statusEl.textContent = text;
  statusEl.className = "status " + (up ? "up" : "down");
}

function remember(frame) {
  const entry = latest.get(frame.type) || { count: 0, frame };
  entry.count += 1;
  entry.frame = frame;
  latest.set(frame.type, entry);
}

function render() {
  const rows = [...latest.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  tbody.replaceChildren(...rows.map(([type, { count, frame }]) => {
    const tr = document.createElement("tr");
    const age = ((Date.now() - Date.parse(frame.timestamp)) / 1000).toFixed(1) + " s";
    for (const text of [type, count, frame.seq, age, JSON.stringify(frame.payload)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tr.lastChild.className = "payload";
    return tr;
  }));
  const now = performance.now();
  if (now - lastRateAt >= 1000) {
    document.getElementById("rate").textContent =
      Math.round((received - lastRateCount) * 1000 / (now - lastRateAt)) + " events/s";
    lastRateAt = now;
    lastRateCount = received;
  }
}

function onEvent(frame) {
  received += 1;
  remember(frame);
  const li = document.createElement("li");
  li.textContent = `${frame.timestamp} #${frame.seq} ${frame.type} ${frame.userId || "(global)"} ${JSON.stringify(frame.payload)}`;
  stream.prepend(li);
  while (stream.childElementCount > 100) stream.lastElementChild.remove();
}

async function loadSnapshot() {
  try {
    const res = await fetch("/api/snapshot", { headers: { Authorization: "Bearer " + token } });
    if (!res.ok) return;
    for (const frame of (await res.json()).events) remember(frame);
  } catch (_) { /* the bridge is down too: the socket's backoff handles it */ }
}

// Where to resume from after a reconnect: the epoch of the last
// connection:status and the last seq received in it.
let epoch = null;
let lastSeq = 0;

function connect() {
  let url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  if (epoch !== null) url += `?epoch=${epoch}&lastSeq=${lastSeq}`;
  const ws = new WebSocket(url, ["bearer", token]);
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.type === "connection:status") {
      backoffMs = 250;
      setStatus(true, "live");
      if (epoch === null) lastSeq = msg.seq;
      epoch = epoch ?? msg.epoch;
      document.getElementById("who").textContent =
        `${msg.userId}${msg.admin ? " (admin)" : ""} · session ${msg.sessionId} · epoch ${msg.epoch}`;
    } else if (msg.type === "resume:gap") {
      // What was missed is not kept any more: start again from the snapshot.
      epoch = msg.epoch;
      lastSeq = msg.seq;
      loadSnapshot();
    } else if (msg.type === "stream:gap") {
      lastSeq = Math.max(lastSeq, msg.toSeq);
      loadSnapshot();
    } else if (msg.payload !== undefined) {
      lastSeq = msg.seq;
      onEvent(msg);
    }
  };
  ws.onclose = (e) => {
    setStatus(false, `disconnected (${e.code}${e.reason ? " " + e.reason : ""}); retrying`);
    loadSnapshot();
    setTimeout(connect, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 10000);
  };
}

if (!token) setStatus(false, "no token: open this page with ?token=<JWT> (scripts/demo prints one)");
else connect();
setInterval(render, 250);
