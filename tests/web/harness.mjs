// What the web tests need around them: real ringcast-bridge processes,
// events published through ringcast-publish, tokens from ringcast-token,
// and a TCP proxy that can cut or refuse connections like a flaky network.
//
// ctest sets RINGCAST_BIN_DIR (the build's bin/) and RINGCAST_WEB_DIR (the
// built dashboard, build/web); tests/web/CMakeLists.txt registers the tests.
// Every wait has a deadline; every child is killed and every segment file
// removed when the test ends.
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, "../..");
export const binDir = process.env.RINGCAST_BIN_DIR ?? path.join(repo, "build/bin");
export const webDir = process.env.RINGCAST_WEB_DIR ?? path.join(repo, "build/web");
// The dashboard's npm packages (ws, playwright-core) live in bridge/web.
export const requireWeb = createRequire(path.join(repo, "bridge/web/package.json"));

export const SECRET = "ringcast-web-test-secret-0123456789abcdef";

/** The built client library (build/web/client.js). */
export async function loadClient() {
  return import(pathToFileURL(path.join(webDir, "client.js")).href);
}

function childEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RINGCAST_")));
  env.RINGCAST_JWT_SECRET = SECRET;
  return env;
}

let counter = 0;
export function uniqueSegment() {
  return `rcweb-${process.pid}-${++counter}`;
}

export function removeSegment(name) {
  rmSync(`/dev/shm/${name}`, { force: true });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it is true or `ms` have passed; returns its last value. */
export async function waitFor(cond, ms = 5000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A ringcast-bridge over `segment`, on `port` (0: any free one), serving
 * the built dashboard. Resolves once it says it is listening.
 */
export async function startBridge(segment, { port = 0, args = [] } = {}) {
  const argv = ["--listen", `127.0.0.1:${port}`, "--segment", segment, "--io-threads", "2", "--startup-hold", "0",
    "--web-root", webDir, ...args];
  const child = spawn(path.join(binDir, "ringcast-bridge"), argv, { env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const line = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("ringcast-bridge did not start: " + stderr)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+) segment '[^']*' epoch ([0-9a-f]{16})/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", () => reject(new Error("ringcast-bridge exited: " + stderr)));
  });
  const bridge = {
    port: Number(line[1]),
    epoch: line[2],
    url: `http://127.0.0.1:${line[1]}`,
    child,
    stderr: () => stderr,
    /** SIGTERM; resolves with the exit status (SIGKILL after 5 s). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const st = await exited;
      clearTimeout(timer);
      return st;
    },
    /** stop(), failing unless it exited 0 (a sanitizer's report exits otherwise). */
    async stopClean() {
      const st = await bridge.stop();
      if (st.code !== 0) throw new Error(`ringcast-bridge exited ${st.code ?? st.signal}: ${stderr.slice(-4000)}`);
    },
  };
  return bridge;
}

/**
 * One ringcast-publish process fed JSON lines: publish(type, userId, fields)
 * fills every field the schema has that `fields` does not name.
 */
export function startPublisher(segment) {
  const child = spawn(path.join(binDir, "ringcast-publish"), ["--segment", segment], {
    env: childEnv(),
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    publish(type, userId, fields = {}) {
      child.stdin.write(JSON.stringify({ type, userId, payload: payloadOf(type, fields) }) + "\n");
    },
    /** Closes stdin; resolves with the exit code and what it printed. */
    async end() {
      child.stdin.end();
      const code = await exited;
      return { code, stderr };
    },
  };
}

let schema = null;
function schemaJson() {
  schema ??= JSON.parse(execFileSync(path.join(binDir, "ringcast-schema"), ["--json"], { encoding: "utf8" }));
  return schema;
}

/** A whole payload of `type`: `fields`, and zero values for the rest. */
export function payloadOf(type, fields = {}) {
  const s = schemaJson();
  const e = s.events.find((x) => x.wireName === type);
  if (!e) throw new Error("unknown event type " + type);
  const out = {};
  for (const f of e.fields) {
    if (f.tailCount) continue;
    out[f.json] = f.kind === "double" || f.kind.startsWith("int") || f.kind.startsWith("uint") ? 0
      : f.kind === "flag" ? false
      : f.kind === "enum" ? s.enums[f.enum][0].name
      : "";
  }
  for (const t of e.tail) out[t.name] = t.kind === "array" ? [] : t.kind === "text" ? "" : null;
  return { ...out, ...fields };
}

/** A token the test bridges accept (ttl: "1h", "-10" for an expired one is not allowed: use expiredToken). */
export function token(user, { admin = false, ttl = "1h" } = {}) {
  const args = ["--user", user, "--ttl", ttl];
  if (admin) args.push("--admin");
  return execFileSync(path.join(binDir, "ringcast-token"), args, { env: childEnv(), encoding: "utf8" }).trim();
}

/**
 * A TCP proxy in front of `target` (a port on 127.0.0.1): cut() drops every
 * connection through it; refuseWebSockets(true) makes it drop new WebSocket
 * upgrades at once (a proxy that breaks WebSocket) while plain HTTP passes.
 */
export async function startProxy(target) {
  const sockets = new Set();
  let refuseWs = false;
  let upstreamPort = target;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    client.once("data", (first) => {
      if (refuseWs && /^upgrade:\s*websocket/im.test(first.toString("latin1"))) {
        client.destroy();
        return;
      }
      const upstream = net.connect(upstreamPort, "127.0.0.1");
      sockets.add(upstream);
      upstream.on("close", () => { sockets.delete(upstream); client.destroy(); });
      upstream.on("error", () => client.destroy());
      client.on("close", () => upstream.destroy());
      upstream.write(first);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut() {
      for (const s of sockets) s.destroy();
    },
    refuseWebSockets(on) {
      refuseWs = on;
    },
    retarget(p) {
      upstreamPort = p;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The `ws` package's WebSocket, recording every socket the client opens
 * (url, subprotocols, time) so that tests can see attempts and reach the
 * underlying socket (pause() it, say).
 */
export function recordingWebSocket() {
  const WS = requireWeb("ws");
  const opened = [];
  class Recording extends WS {
    constructor(url, protocols) {
      super(url, protocols);
      opened.push({ url, protocols, at: Date.now(), socket: this });
    }
  }
  return { WebSocket: Recording, opened };
}
