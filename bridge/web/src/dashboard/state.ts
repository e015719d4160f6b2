// What the dashboard shows, kept from the events as they arrive; no DOM here.
// Handlers only update this and mark what changed; the page renders the
// changed panels once per animation frame (main.ts).
import type { AnyEvent, Envelope, LogLevel } from "../client.js";

type E<T extends AnyEvent["type"]> = Envelope<T>;

export type Panel =
  | "pnl" | "positions" | "orders" | "trades" | "chains" | "balances" | "breaker" | "autopilot"
  | "signals" | "market" | "system" | "logs" | "performance";

export interface ChainView {
  chainId: string;
  userId: string;
  chain: E<"CHAIN_UPDATE"> | null;
  lifecycle: E<"LIFECYCLE_EVENT">[];  // oldest first
  updated: number;  // seq of the latest change: the newest chains are shown
}

export interface ModeView {
  status?: E<"MODE_STATUS_UPDATE">;
  safety?: E<"MODE_SAFETY_UPDATE">;
  allocation?: E<"MODE_ALLOCATION_UPDATE">;
}

export interface MarketView {
  mark?: E<"FUTURES_MARK_PRICE_UPDATE">;
  book?: E<"FUTURES_ORDERBOOK_UPDATE">;
  kline?: E<"FUTURES_KLINE_UPDATE">;
}

export interface ComponentView {
  status?: E<"SYSTEM_STATUS_UPDATE">;
  health?: E<"HEALTH_UPDATE">;
}

const k_trades = 100;
const k_signals = 50;
const k_logs = 500;
const k_chains = 50;
const k_lifecycle_per_chain = 20;
export const k_pnl_points = 3600;
/** Per keyed map (an admin sees every user's): the least recently updated go first. */
const k_keys = 2000;

const LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARN", "ERROR"];
export const levelRank = (l: LogLevel): number => LEVELS.indexOf(l);

function capFront<T>(list: T[], item: T, max: number): void {
  list.unshift(item);
  if (list.length > max) list.length = max;
}

/** Sets `key` as the most recently updated and evicts the least recently updated beyond `k_keys`. */
function put<K, V>(map: Map<K, V>, key: K, value: V): V {
  map.delete(key);  // re-inserted last: a Map iterates in insertion order
  map.set(key, value);
  if (map.size > k_keys) map.delete(map.keys().next().value as K);
  return value;
}

const open = new Set(["NEW", "PARTIALLY_FILLED"]);

export class DashboardState {
  readonly dirty = new Set<Panel>();
  events = 0;  // handed to the dashboard, all sources

  readonly positions = new Map<string, E<"POSITION_UPDATE">>();
  readonly orders = new Map<string, E<"ORDER_UPDATE">>();  // open ones only
  readonly trades: E<"TRADE_UPDATE">[] = [];  // newest first
  readonly chains = new Map<string, ChainView>();
  /** Each user's latest PnL; the cards and the chart show their sum (one user, unless admin). */
  readonly pnlByUser = new Map<string, E<"PNL_UPDATE">>();
  /** The PnL chart's points: seconds, total, daily. */
  readonly pnlSeries: [number[], number[], number[]] = [[], [], []];
  readonly balances = new Map<string, E<"BALANCE_UPDATE">>();
  breaker: E<"CIRCUIT_BREAKER_UPDATE"> | null = null;
  ginie: E<"GINIE_STATUS_UPDATE"> | null = null;
  rules: E<"AUTOPILOT_RULES_UPDATE"> | null = null;
  readonly modes = new Map<string, ModeView>();
  readonly signals: E<"SIGNAL_UPDATE">[] = [];
  readonly market = new Map<string, MarketView>();
  readonly components = new Map<string, ComponentView>();
  readonly gateways = new Map<string, E<"gateway_status_change">>();
  readonly logs: E<"system_log">[] = [];
  logsSuppressed = 0;
  readonly stats = new Map<string, E<"STATS_UPDATE">>();
  readonly performance = new Map<string, E<"PERFORMANCE_UPDATE">>();

  apply(e: AnyEvent): void {
    this.events += 1;
    const u = e.userId;
    switch (e.type) {
      case "POSITION_UPDATE": {
        const key = `${u}|${e.payload.symbol}|${e.payload.side}`;
        if ((e.payload.size ?? 0) === 0) this.positions.delete(key);
        else put(this.positions, key, e);
        this.dirty.add("positions");
        break;
      }
      case "ORDER_UPDATE": {
        const key = `${u}|${e.payload.orderId}`;
        const had = this.orders.get(key);
        // An order's updates may arrive out of order (a snapshot ahead of a
        // replay): the one with the later update time stands.
        if (had !== undefined && had.payload.updateTime > e.payload.updateTime) break;
        if (open.has(e.payload.status)) put(this.orders, key, e);
        else this.orders.delete(key);
        this.dirty.add("orders");
        break;
      }
      case "TRADE_UPDATE":
        capFront(this.trades, e, k_trades);
        this.dirty.add("trades");
        break;
      case "CHAIN_UPDATE":
        this.#chain(u, e.payload.chainId, e.seq).chain = e;
        this.dirty.add("chains");
        break;
      case "LIFECYCLE_EVENT": {
        const c = this.#chain(u, e.payload.chainId, e.seq);
        if (!c.lifecycle.some((x) => x.payload.eventId === e.payload.eventId)) {
          c.lifecycle.push(e);
          c.lifecycle.sort((a, b) => a.payload.eventTime - b.payload.eventTime);
          if (c.lifecycle.length > k_lifecycle_per_chain) c.lifecycle.shift();
        }
        this.dirty.add("chains");
        break;
      }
      case "PNL_UPDATE": {
        put(this.pnlByUser, u, e);
        const [t, total, daily] = this.pnlSeries;
        const at = Date.parse(e.timestamp) / 1000;
        if (t.length === 0 || at >= (t[t.length - 1] ?? 0)) {
          const sum = this.pnlTotals();
          t.push(at);
          total.push(sum.totalPnl);
          daily.push(sum.dailyPnl);
          if (t.length > k_pnl_points) for (const s of this.pnlSeries) s.shift();
        }
        this.dirty.add("pnl");
        break;
      }
      case "BALANCE_UPDATE":
        put(this.balances, `${u}|${e.payload.asset}`, e);
        this.dirty.add("balances");
        break;
      case "CIRCUIT_BREAKER_UPDATE":
        this.breaker = e;
        this.dirty.add("breaker");
        break;
      case "GINIE_STATUS_UPDATE":
        this.ginie = e;
        this.dirty.add("autopilot");
        break;
      case "AUTOPILOT_RULES_UPDATE":
        this.rules = e;
        this.dirty.add("autopilot");
        break;
      case "MODE_STATUS_UPDATE":
        this.#mode(u, e.payload.mode).status = e;
        this.dirty.add("autopilot");
        break;
      case "MODE_SAFETY_UPDATE":
        this.#mode(u, e.payload.mode).safety = e;
        this.dirty.add("autopilot");
        break;
      case "MODE_ALLOCATION_UPDATE":
        this.#mode(u, e.payload.mode).allocation = e;
        this.dirty.add("autopilot");
        break;
      case "SIGNAL_UPDATE":
        capFront(this.signals, e, k_signals);
        this.dirty.add("signals");
        break;
      case "FUTURES_MARK_PRICE_UPDATE":
        this.#market(e.payload.symbol).mark = e;
        this.dirty.add("market");
        break;
      case "FUTURES_ORDERBOOK_UPDATE":
        this.#market(e.payload.symbol).book = e;
        this.dirty.add("market");
        break;
      case "FUTURES_KLINE_UPDATE":
        this.#market(e.payload.symbol).kline = e;
        this.dirty.add("market");
        break;
      case "SYSTEM_STATUS_UPDATE":
        this.#component(e.payload.component).status = e;
        this.dirty.add("system");
        break;
      case "HEALTH_UPDATE":
        this.#component(e.payload.component).health = e;
        this.dirty.add("system");
        break;
      case "gateway_status_change":
        put(this.gateways, e.payload.gatewayId, e);
        this.dirty.add("system");
        break;
      case "system_log":
        capFront(this.logs, e, k_logs);
        this.dirty.add("logs");
        break;
      case "STATS_UPDATE":
        put(this.stats, `${u}|${e.payload.source}`, e);
        this.dirty.add("performance");
        break;
      case "PERFORMANCE_UPDATE":
        put(this.performance, `${u}|${e.payload.scope}`, e);
        this.dirty.add("performance");
        break;
    }
  }

  /** The PnL of every user seen, summed (null fields count as 0). */
  pnlTotals(): { totalPnl: number; dailyPnl: number; positionPnl: number; realizedPnl: number } {
    const sum = { totalPnl: 0, dailyPnl: 0, positionPnl: 0, realizedPnl: 0 };
    for (const e of this.pnlByUser.values())
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += e.payload[k] ?? 0;
    return sum;
  }

  suppressed(n: number): void {
    this.logsSuppressed += n;
    this.dirty.add("logs");
  }

  /** The chains shown: the most recently changed first. */
  recentChains(n: number): ChainView[] {
    return [...this.chains.values()].sort((a, b) => b.updated - a.updated).slice(0, n);
  }

  #chain(userId: string, chainId: string, seq: number): ChainView {
    const key = `${userId}|${chainId}`;
    let c = this.chains.get(key);
    if (c === undefined) {
      c = { chainId, userId, chain: null, lifecycle: [], updated: seq };
      this.chains.set(key, c);
      if (this.chains.size > k_chains) {
        const oldest = this.recentChains(this.chains.size).at(-1);
        if (oldest !== undefined) this.chains.delete(`${oldest.userId}|${oldest.chainId}`);
      }
    }
    c.updated = Math.max(c.updated, seq);
    return c;
  }

  #mode(userId: string, mode: string): ModeView {
    const key = `${userId}|${mode}`;
    return put(this.modes, key, this.modes.get(key) ?? {});
  }

  #market(symbol: string): MarketView {
    return put(this.market, symbol, this.market.get(symbol) ?? {});
  }

  #component(name: string): ComponentView {
    return put(this.components, name, this.components.get(name) ?? {});
  }
}
