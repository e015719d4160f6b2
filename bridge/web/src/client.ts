// The ringcast JavaScript client: one WebSocket to the bridge, typed events
// to handlers, and nothing lost silently.
//
//   const rc = connect({ url: "http://127.0.0.1:8080", token });
//   const off = rc.subscribe("PNL_UPDATE", (e) => show(e.payload.totalPnl));
//   rc.on("gap", (g) => console.warn(g));
//
// - The token goes in the Sec-WebSocket-Protocol header ("bearer, <token>"),
//   never in the URL, and in an Authorization header for /api/snapshot.
// - A lost socket is retried with exponential backoff and jitter (1 s
//   doubling to 30 s), resuming with the epoch and seq last seen: the bridge
//   replays exactly what was missed.
// - When it cannot (resume:gap) or a slow client lost events (stream:gap),
//   the client reads /api/snapshot and hands its events to the same
//   handlers; so it does once at the first connection.
// - While, and only while, the socket is down, /api/snapshot is polled
//   (every 60 s) so the dashboard keeps showing current state. No other
//   timer polls anything.
// - Handlers see each state (a position, a balance: STATE_KEYS) only move
//   forward, and the stream events (orders, trades, logs) of an epoch once
//   each, in seq order. A snapshot's state event is handed on when it is
//   newer than what the handlers have for the same thing; a snapshot's
//   stream event only when the stream can no longer bring it (it is at or
//   before the point where this client's stream begins: the first
//   connection's or a resume:gap's seq), so a replay never comes second.
import {
  type ClientEvents,
  type ConnectionState,
  type ConnectOptions,
  DEFAULT_BACKOFF,
  DEFAULT_POLL_INTERVAL_MS,
  type DisconnectInfo,
  type EventSource,
  type RingcastClient,
  type WebSocketConstructor,
  type WebSocketLike,
  backoffDelay,
  identityOf,
} from "./client_api.js";
import { type AnyEvent, STATE_KEYS } from "./events.generated.js";
import { type ControlMessage, type ServerMessage, type Snapshot, isEvent } from "./protocol.js";

export * from "./client_api.js";
export * from "./events.generated.js";
export * from "./protocol.js";

// What the handlers were last given, per identity; bounded (an admin sees
// every user's state): the entry touched longest ago goes first.
const k_max_identities = 100_000;
// A connection that lasted this long was a success: the next retry starts
// from the first backoff step, not where the last outage left off.
const k_stable_ms = 5000;
// A snapshot request taking longer is abandoned (and tried again).
const k_fetch_timeout_ms = 10_000;

function httpBase(url: string | undefined): string {
  const base = url ?? (globalThis as { location?: { origin: string } }).location?.origin;
  if (base === undefined) throw new Error("ringcast connect(): no url, and no page origin to default to");
  return base.replace(/^ws(s?):/, "http$1:").replace(/\/+$/, "");
}

export function connect(options: ConnectOptions): RingcastClient {
  return new Client(options);
}

class Client implements RingcastClient {
  readonly #o: ConnectOptions;
  readonly #base: string;
  readonly #WebSocket: WebSocketConstructor;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #handlers = new Map<string, Set<(e: AnyEvent, s: EventSource) => void>>();
  readonly #listeners = new Map<string, Set<unknown>>();
  // Per identity, the newest seq handed on and the epoch that numbered it.
  readonly #applied = new Map<string, { epoch: string; seq: number }>();

  #ws: WebSocketLike | null = null;
  #live = false;
  #liveSince = 0;
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #epoch: string | null = null;
  #lastSeq = 0;  // the newest event seq received in #epoch: where a resume starts
  #floor = 0;  // the stream brings nothing at or before this seq of #epoch (a snapshot may)
  #replayTo = 0;  // resume:ok's toSeq while its replay is arriving, else 0
  // The snapshot: one request at a time; wanted again if asked meanwhile;
  // owed when one is needed (first connection, a gap) and has not succeeded.
  #snapshotInFlight: Promise<void> | null = null;
  #snapshotAgain = false;
  #snapshotOwed = true;
  #snapshotRetry: ReturnType<typeof setTimeout> | null = null;
  #snapshotFailures = 0;
  // The fallback poll: a generation, so a poll answered after the socket
  // came back (or went down again) never starts a second poll loop.
  #pollGeneration = 0;
  #pollTimer: ReturnType<typeof setTimeout> | null = null;
  #state: ConnectionState = {
    socket: "connecting",
    nextAttemptAt: null,
    polling: false,
    lastPollAt: null,
    unauthorized: null,
    epoch: null,
    lastSeq: 0,
  };

  constructor(options: ConnectOptions) {
    if (!options.token) throw new Error("ringcast connect(): a token is required");
    this.#o = options;
    this.#base = httpBase(options.url);
    const ws = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (ws === undefined) throw new Error("ringcast connect(): no WebSocket here; pass options.WebSocket");
    this.#WebSocket = ws;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#random = options.random ?? Math.random;
    this.#open();
  }

  subscribe(type: string, handler: (e: never, s: EventSource) => void): () => void {
    let set = this.#handlers.get(type);
    if (set === undefined) this.#handlers.set(type, (set = new Set()));
    const h = handler as (e: AnyEvent, s: EventSource) => void;
    set.add(h);
    return () => void set.delete(h);
  }

  on<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  isConnected(): boolean {
    return this.#live;
  }

  state(): ConnectionState {
    return { ...this.#state };
  }

  refresh(): Promise<void> {
    return this.#loadSnapshot(false);
  }

  close(): void {
    this.#closed = true;
    this.#clearTimers();
    this.#ws?.close(1000, "client closed");
    this.#ws = null;
    this.#live = false;
  }

  // ---- the socket ----

  #wsUrl(): string {
    const q = new URLSearchParams();
    if (this.#o.types !== undefined) q.set("types", this.#o.types.join(","));
    if (this.#o.logLevel !== undefined) q.set("logLevel", this.#o.logLevel);
    if (this.#o.batch) q.set("batch", "1");
    if (this.#o.stats) q.set("stats", "1");
    // Resume in the query: nothing reaches the session before the replay.
    if (this.#epoch !== null) {
      q.set("epoch", this.#epoch);
      q.set("lastSeq", String(this.#lastSeq));
    }
    const query = q.toString();
    return this.#base.replace(/^http/, "ws") + "/ws" + (query ? "?" + query : "");
  }

  #open(): void {
    if (this.#closed) return;
    this.#setState({ nextAttemptAt: null });
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(this.#wsUrl(), ["bearer", this.#o.token]);
    } catch {
      this.#socketDown({ code: 1006, reason: "could not open" });
      return;
    }
    this.#ws = ws;
    ws.onmessage = (ev) => {
      if (this.#ws === ws) this.#onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#socketDown({ code: ev.code, reason: ev.reason });
    };
    ws.onerror = () => {};  // onclose follows with the code
  }

  #socketDown(info: DisconnectInfo): void {
    const wasLive = this.#live;
    this.#live = false;
    this.#replayTo = 0;
    if (wasLive) this.#emit("disconnect", info);
    if (this.#closed) return;
    // A bridge that accepts and then closes at once (1008, 1013) is not a
    // success: the backoff goes on growing.
    if (wasLive && Date.now() - this.#liveSince >= k_stable_ms) this.#attempt = 0;
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, this.#o.backoff ?? DEFAULT_BACKOFF, this.#random);
    this.#setState({ socket: "down", nextAttemptAt: Date.now() + delay });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#open();
    }, delay);
    this.#cancelSnapshotRetry();  // the poll takes over
    if (!this.#state.polling) this.#startPolling();
  }

  #onFrame(data: unknown): void {
    if (typeof data !== "string") return;  // the bridge sends text only
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    const messages = (Array.isArray(parsed) ? parsed : [parsed]) as ServerMessage[];
    for (const m of messages) {
      if (isEvent(m)) this.#onEvent(m);
      else this.#onControl(m);
    }
  }

  #onEvent(e: AnyEvent): void {
    if (e.seq > this.#lastSeq) this.#lastSeq = e.seq;
    const replayed = this.#replayTo !== 0 && e.seq <= this.#replayTo;
    if (e.seq >= this.#replayTo) this.#replayTo = 0;
    // Already handed on (a snapshot's state ahead of its replay), or a state
    // the handlers have in a newer version.
    const seen = this.#applied.get(identityOf(e));
    if (seen !== undefined && seen.epoch === this.#epoch && seen.seq >= e.seq) return;
    this.#deliver(e, replayed ? "replay" : "live", this.#epoch ?? "");
  }

  #onControl(m: ControlMessage): void {
    switch (m.type) {
      case "connection:status": {
        this.#live = true;
        this.#liveSince = Date.now();
        if (this.#epoch !== m.epoch) {
          // A new stream (first connection, or another bridge run) starts
          // after m.seq; a resume in it answers resume:gap (reason epoch).
          this.#epoch = m.epoch;
          this.#lastSeq = m.seq;
          this.#floor = m.seq;
          this.#snapshotOwed = true;
        }
        this.#stopPolling();
        this.#setState({ socket: "live", nextAttemptAt: null, lastPollAt: null });
        this.#emit("connect", m);
        if (this.#snapshotOwed) void this.#loadSnapshot(false);
        break;
      }
      case "resume:ok":
        this.#replayTo = m.toSeq > m.lastSeq ? m.toSeq : 0;
        break;
      case "resume:gap":
        // What came before m.seq is lost to the stream: the snapshot has it.
        this.#epoch = m.epoch;
        this.#lastSeq = Math.max(this.#lastSeq, m.seq);
        this.#floor = Math.max(this.#floor, m.seq);
        this.#snapshotOwed = true;
        this.#emit("gap", { kind: "resume", reason: m.reason });
        void this.#loadSnapshot(false);
        break;
      case "stream:gap":
        // The resume point stays at the last event received: events queued
        // behind this notice may be numbered inside its range.
        this.#snapshotOwed = true;
        this.#emit("gap", { kind: "stream", reason: m.reason, fromSeq: m.fromSeq, toSeq: m.toSeq });
        void this.#loadSnapshot(false);
        break;
      default:
        break;
    }
    this.#emit("message", m);
  }

  // ---- handing events on ----

  // `epoch`: the run that numbered e.seq.
  #deliver(e: AnyEvent, source: EventSource, epoch: string): void {
    const id = identityOf(e);
    const had = this.#applied.get(id);
    this.#applied.delete(id);  // re-inserted last: the Map's order is recency
    this.#applied.set(id, { epoch, seq: had !== undefined && had.epoch === epoch ? Math.max(had.seq, e.seq) : e.seq });
    if (this.#applied.size > k_max_identities) {
      const oldest = this.#applied.keys().next();
      if (!oldest.done) this.#applied.delete(oldest.value);
    }
    for (const key of [e.type, "*"]) {
      const set = this.#handlers.get(key);
      if (set === undefined) continue;
      for (const h of [...set]) {
        try {
          h(e, source);
        } catch (err) {
          // One handler's bug must not starve the others or the stream.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  }

  // ---- /api/snapshot ----

  #loadSnapshot(fromPoll: boolean): Promise<void> {
    if (this.#snapshotInFlight !== null) {
      this.#snapshotAgain = true;  // asked again meanwhile: read it again after this one
      return this.#snapshotInFlight;
    }
    const run = async (): Promise<void> => {
      let tries = 0;
      do {
        this.#snapshotAgain = false;
        const ok = await this.#fetchSnapshot(fromPoll);
        if (!ok) {
          if (this.#live && this.#snapshotOwed) this.#retrySnapshotLater();
          return;
        }
      } while (this.#snapshotAgain && !this.#closed && ++tries < 3);
    };
    this.#snapshotInFlight = run().finally(() => {
      this.#snapshotInFlight = null;
    });
    return this.#snapshotInFlight;
  }

  // A snapshot that was needed and failed while the socket is up is tried
  // again with the socket's backoff (while it is down, the poll does it).
  #retrySnapshotLater(): void {
    if (this.#snapshotRetry !== null || this.#closed) return;
    this.#snapshotFailures += 1;
    const delay = backoffDelay(this.#snapshotFailures, this.#o.backoff ?? DEFAULT_BACKOFF, this.#random);
    this.#snapshotRetry = setTimeout(() => {
      this.#snapshotRetry = null;
      if (this.#live && this.#snapshotOwed) void this.#loadSnapshot(false);
    }, delay);
  }

  #cancelSnapshotRetry(): void {
    if (this.#snapshotRetry !== null) clearTimeout(this.#snapshotRetry);
    this.#snapshotRetry = null;
  }

  // True when the answer was applied (or deliberately set aside for another read).
  async #fetchSnapshot(fromPoll: boolean): Promise<boolean> {
    let body: Snapshot;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), k_fetch_timeout_ms);
    try {
      const res = await this.#fetch(this.#base + "/api/snapshot", {
        headers: { Authorization: "Bearer " + this.#o.token },
        signal: abort.signal,
      });
      if (res.status === 401) {
        const why = ((await res.json().catch(() => ({}))) as { message?: string }).message ?? "token refused";
        this.#unauthorized(why);
        return true;
      }
      if (!res.ok) return false;
      body = (await res.json()) as Snapshot;
    } catch {
      return false;  // unreachable or too slow; the poll or a retry tries again
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) return true;
    // Live in one run, answered by another (a request that crossed a
    // restart): not this stream's state. Read it again.
    if (this.#live && body.epoch !== this.#epoch) {
      this.#snapshotAgain = true;
      return true;
    }
    if (this.#live) {
      this.#snapshotOwed = false;
      this.#snapshotFailures = 0;
    }
    if (fromPoll && this.#state.polling) this.#setState({ lastPollAt: Date.now() });
    const sameRun = body.epoch === this.#epoch;
    for (const e of body.events) {
      if (STATE_KEYS[e.type] === undefined) {
        // A stream event: only if the stream will not bring it (at or before
        // the floor of this run); otherwise the replay or the post-gap read will.
        if (!sameRun || e.seq > this.#floor) continue;
      }
      const seen = this.#applied.get(identityOf(e));
      // Newer than what the handlers have for the same thing: a later seq
      // of the same run, or another run's (drained after ours).
      if (seen !== undefined && seen.epoch === body.epoch && seen.seq >= e.seq) continue;
      this.#deliver(e, "snapshot", body.epoch);
    }
    return true;
  }

  #unauthorized(why: string): void {
    this.#closed = true;
    this.#clearTimers();
    this.#ws?.close(1000, "token refused");
    this.#ws = null;
    this.#live = false;
    this.#setState({ socket: "down", nextAttemptAt: null, polling: false, unauthorized: why });
  }

  // ---- fallback polling: only while the socket is down ----

  #startPolling(): void {
    const generation = ++this.#pollGeneration;
    this.#setState({ polling: true, lastPollAt: null });
    const tick = (): void => {
      this.#pollTimer = null;
      if (generation !== this.#pollGeneration || this.#closed) return;
      void this.#loadSnapshot(true).finally(() => {
        if (generation !== this.#pollGeneration || this.#closed) return;
        if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
        this.#pollTimer = setTimeout(tick, this.#o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
      });
    };
    tick();
  }

  #stopPolling(): void {
    this.#pollGeneration += 1;
    if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    if (this.#state.polling) this.#setState({ polling: false });
  }

  #clearTimers(): void {
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#cancelSnapshotRetry();
    this.#stopPolling();
  }

  // ---- listeners ----

  #setState(change: Partial<ConnectionState>): void {
    this.#state = { ...this.#state, ...change, epoch: this.#epoch, lastSeq: this.#lastSeq };
    this.#emit("state", this.state());
  }

  #emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const h of [...set]) {
      try {
        (h as (...a: Parameters<ClientEvents[K]>) => void)(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
