// How numbers and times read on the dashboard: tabular figures (the CSS),
// digits by magnitude so that a column of prices lines up, signs coloured.

const fmt = new Map<number, Intl.NumberFormat>();
function digits(d: number): Intl.NumberFormat {
  let f = fmt.get(d);
  if (f === undefined) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
    fmt.set(d, f);
  }
  return f;
}

export const DASH = "—";

/** A price: 2 decimals from 1000 up, 4 from 1, 6 below (1000PEPE, funding). */
export function price(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  return digits(a >= 1000 ? 2 : a >= 1 ? 4 : a === 0 ? 2 : 6).format(v);
}

/** A size or quantity: up to 4 decimals, trailing zeros kept for alignment. */
export function qty(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return digits(Math.abs(v) >= 1000 ? 2 : 4).format(v);
}

/** Money with its sign: "+12.50", "-3.25". */
export function money(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return (v > 0 ? "+" : "") + digits(2).format(v);
}

/** A ratio as a percentage: 0.0123 -> "1.23 %" (pct: the value is already in percent). */
export function percent(v: number | null | undefined, alreadyPercent = false): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return digits(2).format(alreadyPercent ? v : v * 100) + " %";
}

export function integer(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return digits(0).format(v);
}

/** "pos", "neg" or "" — the class that colours a signed value. */
export function signClass(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v === 0) return "";
  return v > 0 ? "pos" : "neg";
}

/** Unix ms (or an ISO timestamp) as local HH:MM:SS; a dash for 0. */
export function clock(t: number | string): string {
  const ms = typeof t === "string" ? Date.parse(t) : t;
  if (!ms) return DASH;
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** How long ago, roughly: "4 s", "3 min", "2 h". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.round(s / 60) + " min";
  return Math.round(s / 3600) + " h";
}

/** A microsecond latency, readable: "85 µs", "1.42 ms". */
export function micros(us: number): string {
  if (!Number.isFinite(us)) return DASH;
  return us < 1000 ? Math.round(us) + " µs" : digits(2).format(us / 1000) + " ms";
}
