// Live charts with uPlot: the PnL line, and for admins the bridge's rates,
// sessions, drops and latency percentiles from bridge:stats. setData() is
// called from the animation frame, at most once a frame.
import uPlot from "uplot";
import type { BridgeStats } from "../client.js";

const k_admin_points = 300;  // five minutes of bridge:stats

const axisStyle = { stroke: "#7d8c9b", grid: { stroke: "#222a33", width: 1 }, ticks: { stroke: "#222a33", width: 1 } };

function sized(target: HTMLElement, opts: Omit<uPlot.Options, "width" | "height">, data: uPlot.AlignedData): uPlot {
  const plot = new uPlot({ ...opts, width: Math.max(200, target.clientWidth), height: Math.max(80, target.clientHeight - 28) },
    data, target);
  new ResizeObserver(() => plot.setSize({ width: Math.max(200, target.clientWidth), height: Math.max(80, target.clientHeight - 28) }))
    .observe(target);
  return plot;
}

function series(label: string, stroke: string, scale = "y"): uPlot.Series {
  return { label, stroke, width: 1.5, scale, points: { show: false } };
}

export class PnlChart {
  readonly #plot: uPlot;
  constructor(target: HTMLElement) {
    this.#plot = sized(target, {
      series: [{}, series("total", "#5aa7f0"), series("today", "#35c47a")],
      axes: [axisStyle, { ...axisStyle, size: 60 }],
      legend: { live: false },
      cursor: { show: false },
    }, [[], [], []]);
  }
  update(data: [number[], number[], number[]]): void {
    this.#plot.setData(data);
  }
}

export class AdminCharts {
  readonly #rates: uPlot;
  readonly #sessions: uPlot;
  readonly #latency: uPlot;
  readonly #data = {
    t: [] as number[], events: [] as number[], frames: [] as number[], sessions: [] as number[], drops: [] as number[],
    p50: [] as (number | null)[], p99: [] as (number | null)[], p999: [] as (number | null)[],
  };
  #dirty = false;

  constructor(rates: HTMLElement, sessions: HTMLElement, latency: HTMLElement) {
    const common = { axes: [axisStyle, { ...axisStyle, size: 56 }], cursor: { show: false }, legend: { live: false } };
    this.#rates = sized(rates, { ...common, series: [{}, series("events/s", "#5aa7f0"), series("frames/s", "#35c47a")] }, [[], [], []]);
    this.#sessions = sized(sessions, {
      ...common,
      series: [{}, series("sessions", "#e0a63a"), series("drops/s", "#f0595c", "drops")],
      axes: [axisStyle, { ...axisStyle, size: 56 }, { ...axisStyle, scale: "drops", side: 1, size: 50 }],
      scales: { drops: { auto: true } },
    }, [[], [], []]);
    this.#latency = sized(latency, {
      ...common,
      series: [{}, series("p50", "#35c47a"), series("p99", "#e0a63a"), series("p99.9", "#f0595c")],
      scales: { y: { distr: 3 } },  // log scale: 50 µs and 5 ms on one chart
    }, [[], [], [], []]);
  }

  add(s: BridgeStats): void {
    const d = this.#data;
    d.t.push(Date.parse(s.serverTime) / 1000);
    d.events.push(s.eventsPerSecond);
    d.frames.push(s.framesPerSecond);
    d.sessions.push(s.sessions);
    d.drops.push(s.dropsPerSecond);
    // An idle second has no latencies: a gap in the line, not a zero.
    const none = s.latencyUs.count === 0;
    d.p50.push(none ? null : Math.max(1, s.latencyUs.p50));
    d.p99.push(none ? null : Math.max(1, s.latencyUs.p99));
    d.p999.push(none ? null : Math.max(1, s.latencyUs.p999));
    if (d.t.length > k_admin_points) for (const a of Object.values(d)) a.shift();
    this.#dirty = true;
  }

  render(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const d = this.#data;
    this.#rates.setData([d.t, d.events, d.frames]);
    this.#sessions.setData([d.t, d.sessions, d.drops]);
    this.#latency.setData([d.t, d.p50, d.p99, d.p999]);
  }
}
