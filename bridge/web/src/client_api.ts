// The client's public types and its pure helpers (backoff, identity), apart
// from the connection logic in client.ts.
import { type AnyEvent, type Envelope, type EventType, type LogLevel, STATE_KEYS } from "./events.generated.js";
import type { ControlMessage } from "./protocol.js";

/** Where an event handed to a handler came from. */
export type EventSource = "live" | "replay" | "snapshot";

export type EventHandler<T extends EventType> = (event: Envelope<T>, source: EventSource) => void;

export interface GapInfo {
  kind: "resume" | "stream";
  reason: string;  // resume:gap's or stream:gap's reason
  fromSeq?: number;
  toSeq?: number;
}

export interface DisconnectInfo {
  code: number;  // the WebSocket close code (1006: no close frame)
  reason: string;
}

/** The truth for a connection indicator. */
export interface ConnectionState {
  socket: "connecting" | "live" | "down";
  /** When the next connection attempt starts (ms since the epoch), while the socket is down. */
  nextAttemptAt: number | null;
  /** The snapshot poll runs (the socket is down). */
  polling: boolean;
  /** When a poll last succeeded (ms since the epoch) during this outage, if one did. */
  lastPollAt: number | null;
  /** The bridge refused the token (401): the client stopped; sign in again. */
  unauthorized: string | null;
  epoch: string | null;
  lastSeq: number;
}

export interface ClientEvents {
  connect: (status: Extract<ControlMessage, { type: "connection:status" }>) => void;
  disconnect: (info: DisconnectInfo) => void;
  gap: (info: GapInfo) => void;
  state: (state: ConnectionState) => void;
  /** Every message that is not an event (answers, gaps, bridge:stats...). */
  message: (message: ControlMessage) => void;
}

/** The subset of the browser's WebSocket this client uses (Node's `ws` has it too). */
export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
  send(data: string): void;
}
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

export interface ConnectOptions {
  /** The bridge's base URL (http, https, ws or wss); default: the page's origin. */
  url?: string;
  token: string;
  /** Event types the bridge sends this session (default: all). */
  types?: readonly EventType[];
  /** system_log events below this level are not sent. */
  logLevel?: LogLevel;
  /** Several events per frame when a backlog forms. */
  batch?: boolean;
  /** bridge:stats once a second (admin tokens only). */
  stats?: boolean;
  backoff?: { initialMs: number; maxMs: number };
  /** The snapshot poll's period while the socket is down. */
  pollIntervalMs?: number;
  WebSocket?: WebSocketConstructor;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface RingcastClient {
  /** Calls `handler` for every event of `type` ("*": every event); returns the unsubscribe function. */
  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): () => void;
  subscribe(type: "*", handler: (event: AnyEvent, source: EventSource) => void): () => void;
  on<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): () => void;
  isConnected(): boolean;
  state(): ConnectionState;
  /** Reads /api/snapshot now and hands on what is new. */
  refresh(): Promise<void>;
  /** Closes the socket and stops every timer. */
  close(): void;
}

export const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 30_000 } as const;
export const DEFAULT_POLL_INTERVAL_MS = 60_000;

/**
 * The wait before connection attempt `attempt` (1 = the first retry):
 * initialMs doubling up to maxMs, each spread ±20 % so that a bridge
 * restart is not met by every dashboard in the same millisecond.
 */
export function backoffDelay(
  attempt: number,
  backoff: { initialMs: number; maxMs: number } = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(backoff.maxMs, base * (0.8 + 0.4 * random())));
}

/** What identifies the thing an event describes: a later one with the same identity supersedes it. */
export function identityOf(e: AnyEvent): string {
  const fields = STATE_KEYS[e.type] as readonly string[] | undefined;
  let id = e.type + "\u0000" + e.userId;
  if (fields !== undefined) {
    const p = e.payload as unknown as Record<string, unknown>;
    for (const f of fields) id += "\u0000" + String(p[f]);
  }
  return id;
}
