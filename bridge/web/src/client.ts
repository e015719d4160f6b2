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
// - A snapshot event is handed on only if it is newer than what the handlers
//   already got for the same thing (the same state key: STATE_KEYS).
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
  readonly #applied = new Map<string, { epoch: string; seq: number }>();
  // Seqs of this epoch's stream that a snapshot handed on ahead of the
  // stream: when the stream (a replay) brings them, they are not handed on twice.
  readonly #early = new Set<number>();

  #ws: WebSocketLike | null = null;
  #live = false;
  #closed = false;
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #pollTimer: ReturnType<typeof setTimeout> | null = null;
  #epoch: string | null = null;
  #lastSeq = 0;
  #replayTo = 0;  // resume:ok's toSeq while its replay is arriving, else 0
  #snapshotInFlight: Promise<void> | null = null;
  #snapshotAgain = false;
  #firstSnapshotDone = false;
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
    this.#setState({ socket: this.#state.socket === "down" ? "down" : "connecting", nextAttemptAt: null });
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
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, this.#o.backoff ?? DEFAULT_BACKOFF, this.#random);
    this.#setState({ socket: "down", nextAttemptAt: Date.now() + delay });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#open();
    }, delay);
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
    if (this.#early.delete(e.seq)) return;  // a snapshot handed it on already
    if (this.#early.size !== 0) for (const s of this.#early) if (s < e.seq) this.#early.delete(s);
    // A state the handlers already have in a newer version (from a
    // snapshot) does not go back to this older one.
    const seen = this.#applied.get(identityOf(e));
    if (STATE_KEYS[e.type] !== undefined && seen !== undefined && seen.epoch === this.#epoch && seen.seq > e.seq)
      return;
    this.#deliver(e, replayed ? "replay" : "live", this.#epoch ?? "");
  }

  #onControl(m: ControlMessage): void {
    switch (m.type) {
      case "connection:status": {
        this.#live = true;
        this.#attempt = 0;
        const resumed = this.#epoch === m.epoch;
        if (!resumed) {
          // A new stream (first connection or another bridge run) starts after m.seq.
          this.#epoch = m.epoch;
          this.#lastSeq = m.seq;
          this.#early.clear();
        }
        this.#stopPolling();
        this.#setState({ socket: "live", nextAttemptAt: null, lastPollAt: null });
        this.#emit("connect", m);
        // The first time: what happened before we came. (A resume:gap asks again.)
        if (!this.#firstSnapshotDone) void this.#loadSnapshot(false);
        break;
      }
      case "resume:ok":
        this.#replayTo = m.toSeq > m.lastSeq ? m.toSeq : 0;
        break;
      case "resume:gap":
        this.#epoch = m.epoch;
        this.#lastSeq = Math.max(this.#lastSeq, m.seq);
        this.#emit("gap", { kind: "resume", reason: m.reason });
        void this.#loadSnapshot(false);
        break;
      case "stream:gap":
        if (m.toSeq > this.#lastSeq) this.#lastSeq = m.toSeq;
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

  async #loadSnapshot(fromPoll: boolean): Promise<void> {
    if (this.#snapshotInFlight !== null) {
      this.#snapshotAgain = true;  // a gap arrived meanwhile: read it again after this one
      return this.#snapshotInFlight;
    }
    const run = async (): Promise<void> => {
      do {
        this.#snapshotAgain = false;
        await this.#fetchSnapshot(fromPoll);
      } while (this.#snapshotAgain && !this.#closed);
    };
    this.#snapshotInFlight = run().finally(() => {
      this.#snapshotInFlight = null;
    });
    return this.#snapshotInFlight;
  }

  async #fetchSnapshot(fromPoll: boolean): Promise<void> {
    let body: Snapshot;
    try {
      const res = await this.#fetch(this.#base + "/api/snapshot", {
        headers: { Authorization: "Bearer " + this.#o.token },
      });
      if (res.status === 401) {
        const why = ((await res.json().catch(() => ({}))) as { message?: string }).message ?? "token refused";
        this.#unauthorized(why);
        return;
      }
      if (!res.ok) return;
      body = (await res.json()) as Snapshot;
    } catch {
      return;  // the bridge is unreachable; the poll or the next gap tries again
    }
    if (this.#closed) return;
    this.#firstSnapshotDone = true;
    if (fromPoll && this.#state.polling) this.#setState({ lastPollAt: Date.now() });
    for (const e of body.events) {
      const seen = this.#applied.get(identityOf(e));
      // Newer than what the handlers have for the same thing: another
      // bridge run (its events were drained after ours), or a later seq.
      if (seen !== undefined && seen.epoch === body.epoch && seen.seq >= e.seq) continue;
      // Ahead of the stream, which will bring it again (a resume's replay).
      if (body.epoch === this.#epoch && e.seq > this.#lastSeq) this.#early.add(e.seq);
      this.#deliver(e, "snapshot", body.epoch);
    }
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
    this.#setState({ polling: true, lastPollAt: null });
    const tick = (): void => {
      this.#pollTimer = null;
      if (!this.#state.polling || this.#closed) return;
      void this.#loadSnapshot(true).finally(() => {
        if (this.#state.polling && !this.#closed)
          this.#pollTimer = setTimeout(tick, this.#o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
      });
    };
    tick();
  }

  #stopPolling(): void {
    if (this.#pollTimer !== null) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    if (this.#state.polling) this.#setState({ polling: false });
  }

  #clearTimers(): void {
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
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
