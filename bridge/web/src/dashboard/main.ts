// The dashboard page: sign in with a token, connect with the client library,
// keep every event in DashboardState, and draw the changed panels once per
// animation frame, however fast the events come.
import { type ConnectionState, type RingcastClient, connect } from "../client.js";
import { AdminCharts, PnlChart } from "./charts.js";
import { byId, setText } from "./dom.js";
import { clock, integer } from "./format.js";
import { Panels } from "./panels.js";
import { DashboardState } from "./state.js";

const k_token_key = "ringcast.token";

// The token: from the URL fragment (never sent to a server, so never in a
// log), then kept in this tab's sessionStorage; or pasted into the form.
function takeToken(): string | null {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const t = fragment.get("token");
  if (t) {
    sessionStorage.setItem(k_token_key, t);
    history.replaceState(null, "", location.pathname + location.search);
    return t;
  }
  return sessionStorage.getItem(k_token_key);
}

// The token's claims, read (not verified: the bridge does that) to know
// whether to ask for the admin's bridge:stats.
function claims(token: string): { sub?: string; role?: string } {
  try {
    const part = token.split(".")[1] ?? "";
    return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: string; role?: string };
  } catch {
    return {};
  }
}

function showSignIn(message = ""): void {
  byId("dashboard").hidden = true;
  byId("sign-out").hidden = true;
  byId("sign-in").hidden = false;
  setText(byId("sign-in-error"), message);
}

class Dashboard {
  readonly #state = new DashboardState();
  readonly #client: RingcastClient;
  readonly #panels: Panels;
  readonly #pnl: PnlChart;
  readonly #admin: AdminCharts | null = null;
  #frame = 0;
  #countdown: ReturnType<typeof setInterval> | null = null;
  #rateAt = performance.now();
  #rateEvents = 0;

  constructor(token: string) {
    const c = claims(token);
    const admin = c.role === "admin";
    byId("sign-in").hidden = true;
    byId("dashboard").hidden = false;
    byId("sign-out").hidden = false;
    setText(byId("who"), `${c.sub ?? "?"}${admin ? " · admin" : ""}`);
    this.#panels = new Panels(this.#state, admin);
    this.#pnl = new PnlChart(byId("pnl-chart"));
    if (admin) {
      byId("panel-admin").hidden = false;
      this.#admin = new AdminCharts(byId("chart-rates"), byId("chart-sessions"), byId("chart-latency"));
    }
    this.#client = connect({ token, batch: true, stats: admin });
    // For an operator's console (and the browser test): ringcastClient.state().
    (window as unknown as { ringcastClient: RingcastClient }).ringcastClient = this.#client;
    this.#client.subscribe("*", (e) => {
      this.#state.apply(e);
      this.#schedule();
    });
    this.#client.on("message", (m) => {
      if (m.type === "bridge:stats") this.#admin?.add(m);
      else if (m.type === "logs:suppressed") this.#state.suppressed(m.suppressed);
      else return;
      this.#schedule();
    });
    this.#client.on("connect", (s) => setText(byId("who"), `${s.userId}${s.admin ? " · admin" : ""} · session ${s.sessionId}`));
    this.#client.on("state", (s) => this.#showState(s));
    this.#showState(this.#client.state());
    byId("sign-out").onclick = () => {
      sessionStorage.removeItem(k_token_key);
      location.reload();
    };
  }

  #schedule(): void {
    if (this.#frame === 0) this.#frame = requestAnimationFrame(() => this.#render());
  }

  // One frame: every panel that changed since the last one, drawn once.
  #render(): void {
    this.#frame = 0;
    const s = this.#state;
    for (const p of s.dirty) this.#panels.render(p);
    if (s.dirty.has("pnl")) this.#pnl.update(s.pnlSeries);
    s.dirty.clear();
    this.#admin?.render();
    const now = performance.now();
    if (now - this.#rateAt >= 1000) {
      setText(byId("rate"), `${integer(((s.events - this.#rateEvents) * 1000) / (now - this.#rateAt))} events/s`);
      this.#rateAt = now;
      this.#rateEvents = s.events;
    }
  }

  // The indicator tells the truth: live, reconnecting (with the countdown),
  // or polling fallback (the socket is down, the snapshot poll works).
  #showState(s: ConnectionState): void {
    const el = byId("indicator");
    if (s.unauthorized !== null) {
      setText(el, "signed out", "indicator unauthorized");
      sessionStorage.removeItem(k_token_key);
      showSignIn(`The bridge refused the token: ${s.unauthorized}. Paste a new one.`);
    } else if (s.socket === "live") {
      setText(el, "live", "indicator live");
    } else if (s.socket === "connecting") {
      setText(el, "connecting…", "indicator connecting");
    } else {
      const next = s.nextAttemptAt === null ? "now" : `in ${Math.max(0, Math.ceil((s.nextAttemptAt - Date.now()) / 1000))} s`;
      if (s.lastPollAt !== null)
        setText(el, `polling fallback · last poll ${clock(s.lastPollAt)} · next try ${next}`, "indicator polling");
      else setText(el, `reconnecting · next try ${next}`, "indicator reconnecting");
    }
    // The countdown moves while the socket is down; it reads no network.
    const down = s.socket === "down" && s.unauthorized === null;
    if (down && this.#countdown === null)
      this.#countdown = setInterval(() => this.#showState(this.#client.state()), 250);
    if (!down && this.#countdown !== null) {
      clearInterval(this.#countdown);
      this.#countdown = null;
    }
  }
}

function start(): void {
  const form = byId<HTMLFormElement>("sign-in");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = byId<HTMLTextAreaElement>("token-input").value.trim();
    if (t.split(".").length !== 3) {
      setText(byId("sign-in-error"), "That is not a token (three dot-separated parts).");
      return;
    }
    sessionStorage.setItem(k_token_key, t);
    location.reload();  // a clean page for the new identity
  });
  const token = takeToken();
  if (token === null) showSignIn();
  else new Dashboard(token);
}

start();
