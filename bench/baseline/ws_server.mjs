// The baseline ringcast-bench compares the bridge with: the WebSocket
// server a team without ringcast would write, on Node's `ws` (npm, the
// version in bridge/web's lockfile).
//
//   node ws_server.mjs --node-modules DIR
//
// Clients connect to /ws?user=NAME (no token check: at steady state
// authentication costs nothing, and the baseline is given every advantage).
// Producers connect to the feed port and write "userId\tframe\n": the frame
// (the bridge's JSON envelope, as is) goes to that user's sockets, or to
// every socket when userId is empty. The routing key travels in front, as a
// pub/sub channel name would, so that the server never parses JSON.
// `ws.send` never blocks; what a slow socket cannot take waits in Node's
// memory, without bound, as in such a server.
//
// Prints one line, "ringcast-ws-baseline: ws 127.0.0.1:P feed 127.0.0.1:Q",
// and runs until SIGTERM or SIGINT.
import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const at = process.argv.indexOf("--node-modules");
if (at < 0 || !process.argv[at + 1]) {
  process.stderr.write("usage: node ws_server.mjs --node-modules DIR\n");
  process.exit(2);
}
const { WebSocketServer } = createRequire(join(resolve(process.argv[at + 1]), "ws", "package.json"))("ws");

const users = new Map(); // userId -> Set of sockets
const all = new Set();

const http = createServer((req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, path: "/ws", perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  const user = new URL(req.url, "http://localhost").searchParams.get("user") ?? "";
  ws._socket.setNoDelay(true);
  let mine = users.get(user);
  if (mine === undefined) users.set(user, (mine = new Set()));
  mine.add(ws);
  all.add(ws);
  ws.on("close", () => {
    mine.delete(ws);
    all.delete(ws);
  });
  ws.on("error", () => {});
});

function route(line) {
  const tab = line.indexOf("\t");
  if (tab < 0) return;
  const user = line.slice(0, tab);
  const frame = line.slice(tab + 1);
  const to = user === "" ? all : users.get(user);
  if (to !== undefined) for (const ws of to) ws.send(frame);
}

const feed = createTcpServer((socket) => {
  socket.setNoDelay(true);
  socket.setEncoding("utf8");
  let pending = "";
  socket.on("data", (chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop();
    for (const line of lines) route(line);
  });
  socket.on("error", () => {});
});

http.listen(0, "127.0.0.1", () => {
  feed.listen(0, "127.0.0.1", () => {
    process.stdout.write(`ringcast-ws-baseline: ws 127.0.0.1:${http.address().port} feed 127.0.0.1:${feed.address().port}\n`);
  });
});
for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => process.exit(0));
