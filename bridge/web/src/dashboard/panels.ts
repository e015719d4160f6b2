// Each panel's DOM, drawn from DashboardState. render(panel) touches only
// what changed (KeyedTable, setText); main.ts calls it for the dirty panels
// once per animation frame.
import { type Cell, KeyedTable, byId, el, setText } from "./dom.js";
import { DASH, ago, clock, integer, money, percent, price, qty, signClass } from "./format.js";
import { type DashboardState, type Panel, levelRank } from "./state.js";
import type { LogLevel } from "../client.js";

const signed = (v: number | null): Cell => ({ text: money(v), cls: signClass(v) });
const side = (s: string): Cell => ({ text: s, cls: s === "BUY" || s === "LONG" ? "pos" : s === "SELL" || s === "SHORT" ? "neg" : "" });
const yes = (b: boolean, on = "yes", off = "no"): HTMLElement => el("span", { class: "badge " + (b ? "ok" : "idle") }, b ? on : off);

/** Rows a table shows at most: more is no longer readable, and the DOM would cost each frame. */
const k_rows = 200;
const sortedByKey = <V>(m: Map<string, V>): [string, V][] =>
  [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(0, k_rows);

function facts(rows: [string, string | Node][]): HTMLElement {
  const dl = el("dl", { class: "facts" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
  return dl;
}

function body(panel: string): HTMLElement {
  const b = byId(panel).querySelector<HTMLElement>(".body");
  if (b === null) throw new Error(`#${panel} has no .body`);
  return b;
}

export class Panels {
  readonly #s: DashboardState;
  readonly #admin: boolean;
  readonly #positions: KeyedTable;
  readonly #orders: KeyedTable;
  readonly #trades: KeyedTable;
  readonly #balances: KeyedTable;
  readonly #market: KeyedTable;
  readonly #signals: KeyedTable;
  readonly #performance: KeyedTable;
  readonly #components: KeyedTable;
  readonly #gateways: KeyedTable;
  readonly #modes: KeyedTable;
  readonly #autopilot: HTMLElement;  // GINIE status and rules; the modes table follows it
  readonly #logs: HTMLElement;
  readonly #logLevel: HTMLSelectElement;

  constructor(state: DashboardState, admin: boolean) {
    this.#s = state;
    this.#admin = admin;
    const user = admin ? [{ title: "user" }] : [];
    this.#positions = new KeyedTable([...user, { title: "symbol" }, { title: "side" }, { title: "size", kind: "num" },
      { title: "entry", kind: "num" }, { title: "mark", kind: "num" }, { title: "liq.", kind: "num" },
      { title: "uPnL", kind: "num" }, { title: "lev.", kind: "num" }], "no open positions");
    this.#orders = new KeyedTable([...user, { title: "id", kind: "num", width: "13ch" }, { title: "symbol" }, { title: "side" },
      { title: "type" }, { title: "status" }, { title: "price", kind: "num" }, { title: "qty", kind: "num" },
      { title: "filled", kind: "num" }, { title: "time", kind: "num" }], "no open orders");
    this.#trades = new KeyedTable([...user, { title: "time", kind: "num" }, { title: "symbol" }, { title: "side" },
      { title: "price", kind: "num" }, { title: "qty", kind: "num" }, { title: "fee", kind: "num" },
      { title: "realized", kind: "num" }, { title: "order", kind: "num", width: "13ch" }], "no trades yet");
    this.#balances = new KeyedTable([...user, { title: "asset" }, { title: "wallet", kind: "num" },
      { title: "available", kind: "num" }, { title: "uPnL", kind: "num" }], "no balances yet");
    this.#market = new KeyedTable([{ title: "symbol" }, { title: "mark", kind: "num" }, { title: "index", kind: "num" },
      { title: "bid", kind: "num" }, { title: "ask", kind: "num" }, { title: "funding", kind: "num" },
      { title: "kline", kind: "num" }, { title: "close", kind: "num" }], "no market data yet");
    this.#signals = new KeyedTable([{ title: "time", kind: "num" }, { title: "symbol" }, { title: "direction" },
      { title: "confidence", kind: "num" }, { title: "entry", kind: "num" }, { title: "stop", kind: "num" },
      { title: "target", kind: "num" }, { title: "source" }], "no signals yet");
    this.#performance = new KeyedTable([{ title: "scope" }, { title: "trades", kind: "num" }, { title: "win", kind: "num" },
      { title: "PnL", kind: "num" }], "no statistics yet");
    this.#components = new KeyedTable([{ title: "component" }, { title: "status" }, { title: "latency", kind: "num" },
      { title: "detail" }], "no status yet");
    this.#gateways = new KeyedTable([{ title: "gateway" }, { title: "type" }, { title: "status" }, { title: "was" },
      { title: "since", kind: "num" }], "no gateways yet");
    this.#modes = new KeyedTable([{ title: "mode" }, { title: "status" }, { title: "today", kind: "num" },
      { title: "safety" }], "no modes yet");
    this.#autopilot = el("div", {});
    body("panel-autopilot").append(this.#autopilot, el("div", { class: "modes" }, this.#modes.element));
    body("panel-positions").append(this.#positions.element);
    body("panel-orders").append(this.#orders.element);
    body("panel-trades").append(this.#trades.element);
    body("panel-balances").append(this.#balances.element);
    body("panel-market").append(this.#market.element);
    body("panel-signals").append(this.#signals.element);
    body("panel-performance").append(this.#performance.element);
    body("panel-system").append(this.#components.element, el("h3", {}, "gateways"), this.#gateways.element);
    this.#logs = body("panel-logs");
    this.#logLevel = byId<HTMLSelectElement>("log-level");
    this.#logLevel.addEventListener("change", () => this.render("logs"));
    for (const p of ["breaker", "autopilot", "chains"] as Panel[]) this.render(p);
  }

  render(panel: Panel): void {
    const s = this.#s;
    const who = (userId: string): Cell[] => (this.#admin ? [userId || "(global)"] : []);
    switch (panel) {
      case "pnl": {
        const p = s.pnlByUser.size === 0 ? null : s.pnlTotals();
        for (const [id, v] of [["pnl-total", p?.totalPnl], ["pnl-daily", p?.dailyPnl], ["pnl-position", p?.positionPnl],
          ["pnl-realized", p?.realizedPnl]] as const)
          setText(byId(id), money(v ?? null), signClass(v ?? null));
        break;
      }
      case "positions":
        this.#positions.render(sortedByKey(s.positions).map(([key, e]) => ({
          key,
          cells: [...who(e.userId), e.payload.symbol, side(e.payload.side), qty(e.payload.size), price(e.payload.entryPrice),
            price(e.payload.markPrice), price(e.payload.liquidationPrice), signed(e.payload.unrealizedPnl),
            e.payload.leverage + "×"],
        })));
        break;
      case "orders":
        this.#orders.render([...s.orders.entries()].sort(([, a], [, b]) => b.payload.updateTime - a.payload.updateTime)
          .slice(0, k_rows).map(([key, e]) => ({
            key,
            cells: [...who(e.userId), String(e.payload.orderId), e.payload.symbol, side(e.payload.side), e.payload.type,
              e.payload.status, price(e.payload.price), qty(e.payload.qty), qty(e.payload.filledQty),
              clock(e.payload.updateTime)],
          })));
        break;
      case "trades":
        this.#trades.render(s.trades.map((e) => ({
          key: `${e.userId}|${e.payload.tradeId}`,
          cells: [...who(e.userId), clock(e.payload.tradeTime || e.timestamp), e.payload.symbol, side(e.payload.side),
            price(e.payload.price), qty(e.payload.qty), qty(e.payload.fee), signed(e.payload.realizedPnl),
            String(e.payload.orderId)],
        })));
        break;
      case "balances":
        this.#balances.render(sortedByKey(s.balances).map(([key, e]) => ({
          key,
          cells: [...who(e.userId), e.payload.asset, qty(e.payload.walletBalance), qty(e.payload.availableBalance),
            signed(e.payload.crossUnrealizedPnl)],
        })));
        break;
      case "market":
        this.#market.render(sortedByKey(s.market).map(([symbol, m]) => ({
          key: symbol,
          cells: [symbol, price(m.mark?.payload.markPrice), price(m.mark?.payload.indexPrice),
            price(m.book?.payload.bids[0]?.price), price(m.book?.payload.asks[0]?.price),
            m.mark ? (((m.mark.payload.fundingRate ?? 0) * 100).toFixed(4) + " %") : DASH,
            m.kline?.payload.interval ?? DASH, price(m.kline?.payload.close)],
        })));
        break;
      case "signals":
        this.#signals.render(s.signals.map((e) => ({
          key: `${e.userId}|${e.payload.signalId}|${e.seq}`,
          cells: [clock(e.timestamp), e.payload.symbol, side(e.payload.direction), percent(e.payload.confidence),
            price(e.payload.entryPrice), price(e.payload.stopLoss), price(e.payload.takeProfit), e.payload.source],
        })));
        break;
      case "performance":
        this.#performance.render([
          ...[...s.stats.entries()].map(([key, e]) => ({
            key: "s|" + key,
            cells: [e.payload.source, integer(e.payload.totalTrades), percent(e.payload.winRate), signed(e.payload.totalPnl)],
          })),
          ...[...s.performance.entries()].map(([key, e]) => ({
            key: "p|" + key,
            cells: [e.payload.scope, integer(e.payload.trades), percent(e.payload.winRate), signed(e.payload.pnl)],
          })),
        ].slice(0, k_rows) as { key: string; cells: Cell[] }[]);
        break;
      case "system":
        this.#components.render(sortedByKey(s.components).map(([name, c]) => {
          const st = c.status?.payload.status ?? (c.health ? (c.health.payload.healthy ? "HEALTHY" : "UNHEALTHY") : DASH);
          const bad = !/^(OK|UP|HEALTHY|RUNNING|CONNECTED)$/i.test(st);
          return {
            key: name,
            cells: [name, { text: st, cls: bad ? "neg" : "pos" },
              c.health?.payload.latencyMs != null ? qty(c.health.payload.latencyMs) + " ms" : DASH,
              c.status?.payload.detail || c.health?.payload.detail || ""],
          };
        }));
        this.#gateways.render(sortedByKey(s.gateways).map(([id, e]) => {
          const bad = !/^(HEALTHY|CONNECTED|UP|OK)$/i.test(e.payload.currentStatus);
          return {
            key: id,
            cells: [id, e.payload.gatewayType, { text: e.payload.currentStatus, cls: bad ? "neg" : "pos" },
              e.payload.previousStatus, clock(e.timestamp)],
          };
        }));
        break;
      case "logs": {
        const min = levelRank(this.#logLevel.value as LogLevel);
        const shown = s.logs.filter((e) => levelRank(e.payload.level) >= min).slice(0, k_rows);
        this.#logs.replaceChildren(...shown.map((e) =>
          el("div", { class: "log " + e.payload.level, "data-seq": String(e.seq) },
            el("span", {}, clock(e.timestamp)), el("span", { class: "lvl" }, e.payload.level),
            el("span", { class: "muted" }, e.payload.source), el("span", { class: "msg" }, e.payload.message))));
        setText(byId("logs-suppressed"), s.logsSuppressed ? `${integer(s.logsSuppressed)} suppressed by the rate limit` : "");
        break;
      }
      case "breaker": {
        const b = s.breaker?.payload;
        body("panel-breaker").replaceChildren(b === undefined ? el("p", { class: "muted" }, "no state yet") : facts([
          ["state", yes(!b.isTriggered, "armed", "TRIGGERED")],
          ["reason", b.triggerReason || DASH],
          ["consecutive losses", integer(b.consecutiveLosses)],
          ["daily loss", el("span", { class: signClass(-(b.dailyLoss ?? 0)) }, money(-(b.dailyLoss ?? 0)))],
          ["daily limit", money(b.dailyLossLimit)],
          ["resets", b.resetTime ? clock(b.resetTime) : DASH],
        ]));
        if (b?.isTriggered) byId("panel-breaker").classList.add("alarm");
        else byId("panel-breaker").classList.remove("alarm");
        break;
      }
      case "autopilot": {
        const g = s.ginie?.payload;
        const gUser = s.ginie?.userId ?? "";
        const r = s.rules?.payload;
        this.#modes.render(sortedByKey(s.modes).map(([key, m]) => ({
          key,
          cells: [this.#admin ? key.replace("|", " · ") : key.split("|")[1] ?? key, m.status ? (m.status.payload.enabled ? m.status.payload.status : "off") : DASH,
            signed(m.status?.payload.pnlToday ?? null),
            m.safety ? (m.safety.payload.isPaused ? { text: "paused: " + m.safety.payload.pauseReason, cls: "neg" }
              : { text: "ok", cls: "pos" }) : DASH],
        })));
        this.#autopilot.replaceChildren(
          g === undefined ? el("p", { class: "muted" }, "no status yet") : facts([
            ...(this.#admin ? [["user", gUser] as [string, string]] : []),
            ["running", yes(g.isRunning, "running", "stopped")],
            ["mode", g.currentMode || DASH],
            ["positions", `${integer(g.activePositions)} / ${integer(g.maxPositions)}`],
            ["trades today", integer(g.dailyTrades)],
            ["last signal", g.lastSignal || DASH],
            ["decided", g.lastDecisionTime ? ago(g.lastDecisionTime) + " ago" : DASH],
          ]),
          r === undefined ? "" : el("p", { class: "muted" },
            `rules: ${r.enabled ? "on" : "off"} · ≤ ${r.maxLeverage}× · ≤ ${r.maxPositions} positions · min conf. ${percent(r.minConfidence)}`));
        break;
      }
      case "chains": {
        const chains = s.recentChains(12);
        body("panel-chains").replaceChildren(...(chains.length === 0 ? [el("p", { class: "muted" }, "no order chains yet")]
          : chains.map((c) => {
            const ch = c.chain?.payload;
            const status = ch?.status ?? "…";
            return el("div", { class: "chain", "data-chain": c.chainId },
              el("div", { class: "head" },
                el("span", { class: "id" }, c.chainId),
                el("b", {}, ch?.symbol ?? c.lifecycle[0]?.payload.symbol ?? ""),
                el("span", { class: "badge " + (status === "FAILED" || status === "CANCELED" ? "bad" : status === "COMPLETED" ? "idle" : "ok") }, status),
                el("span", { class: "muted" }, ch ? `${ch.orders.length} orders` : ""),
                this.#admin ? el("span", { class: "muted" }, c.userId) : ""),
              el("ol", { class: "timeline" }, ...c.lifecycle.map((l) =>
                el("li", { title: l.payload.detail }, el("time", {}, clock(l.payload.eventTime)), l.payload.stage))));
          })));
        break;
      }
    }
  }
}
