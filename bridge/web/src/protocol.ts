// The bridge's messages other than events (docs/PROTOCOL.md, "Server to
// client", "Resume", "Slow clients", "Logs", "Bridge statistics"). Events
// and their payloads are generated from the C++ schema (events.generated.ts);
// these are written by the bridge's router and sessions, and checked against
// a real bridge by tests/web/client.test.mjs.
import type { AnyEvent, LogLevel } from "./events.generated.js";

export interface ConnectionStatus {
  type: "connection:status";
  status: "connected";
  userId: string;
  admin: boolean;
  sessionId: string;
  serverTime: string;
  epoch: string;  // this bridge run's stream epoch: seqs compare only within it
  seq: number;  // the last seq assigned before this session was registered
  segment: { name: string; epoch: string };
}

export interface ResumeOk {
  type: "resume:ok";
  epoch: string;
  lastSeq: number;
  toSeq: number;
}

export interface ResumeGap {
  type: "resume:gap";
  reason: "epoch" | "too_old" | "too_many" | "unknown_seq";
  epoch: string;
  lastSeq: number;
  seq: number;
  snapshot: string;
  message: string;
}

export interface StreamGap {
  type: "stream:gap";
  fromSeq: number;
  toSeq: number;
  dropped: number;
  reason: "slow_consumer" | "producers_dropped";
}

export interface LogsSuppressed {
  type: "logs:suppressed";
  suppressed: number;
  fromSeq: number;
  toSeq: number;
  limitPerSecond: number;
}

export interface BridgeStats {
  type: "bridge:stats";
  serverTime: string;
  intervalMs: number;
  eventsPerSecond: number;
  framesPerSecond: number;
  dropsPerSecond: number;
  ringLostPerSecond: number;
  sessions: number;
  latencyUs: { count: number; p50: number; p90: number; p99: number; p999: number; max: number };
  totals: { eventsDrained: number; framesDelivered: number; sessionDrops: number; ringLost: number };
}

export interface ErrorReply {
  type: "error";
  code: "malformed" | "unknown_op" | "binary" | "rate_limited" | "unknown_type" | "invalid" | "forbidden";
  message: string;
}

/** Answers to ops. */
export type OpAnswer =
  | { type: "pong" }
  | { type: "subscribed"; types: string[] }
  | { type: "log_level"; level: LogLevel }
  | { type: "batch"; enabled: boolean }
  | { type: "stats"; enabled: boolean };

export type ControlMessage =
  | ConnectionStatus
  | ResumeOk
  | ResumeGap
  | StreamGap
  | LogsSuppressed
  | BridgeStats
  | ErrorReply
  | OpAnswer;

/** One message of the stream, after a batch frame is split. */
export type ServerMessage = AnyEvent | ControlMessage;

/** What /api/snapshot answers. */
export interface Snapshot {
  epoch: string;
  events: AnyEvent[];
}

export function isEvent(m: ServerMessage): m is AnyEvent {
  return (m as { payload?: unknown }).payload !== undefined;
}
