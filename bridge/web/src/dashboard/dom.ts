// A few DOM helpers: elements by template, and keyed tables that update
// their rows in place (no re-creation, so nothing jumps while updates
// stream in; rendering happens once per animation frame, see main.ts).

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error("the page has no #" + id);
  return e as T;
}

/** Sets text (and optionally a class) only when it changed: no needless layout work. */
export function setText(e: HTMLElement, text: string, cls?: string): void {
  if (e.textContent !== text) e.textContent = text;
  if (cls !== undefined && e.className !== cls) e.className = cls;
}

/** One cell of a row: its text and, for signed numbers, its colour class. */
export type Cell = string | { text: string; cls: string };

export interface Column {
  title: string;
  /** "num" right-aligns with tabular figures. */
  kind?: "num" | "text";
  /** A CSS width for the column (ids need room); the others share the rest. */
  width?: string;
}

/**
 * A table whose rows are identified by key: render(rows) adds, updates in
 * place, reorders and removes rows to match, touching only what changed.
 */
export class KeyedTable {
  readonly element: HTMLTableElement;
  readonly #body: HTMLTableSectionElement;
  readonly #rows = new Map<string, HTMLTableRowElement>();
  readonly #columns: Column[];
  readonly #empty: HTMLTableRowElement;

  constructor(columns: Column[], emptyText: string) {
    this.#columns = columns;
    this.element = el("table", { class: "grid" });
    const head = el("tr");
    for (const c of columns) {
      const th = el("th", { class: c.kind === "num" ? "num" : "" }, c.title);
      if (c.width !== undefined) th.style.width = c.width;
      head.append(th);
    }
    this.#body = el("tbody");
    this.#empty = el("tr", { class: "empty" }, el("td", { colspan: String(columns.length) }, emptyText));
    this.element.append(el("thead", {}, head), this.#body);
    this.#body.append(this.#empty);
  }

  render(rows: { key: string; cells: Cell[]; cls?: string }[]): void {
    const keep = new Set<string>();
    let previous: Element | null = null;
    for (const r of rows) {
      keep.add(r.key);
      let tr = this.#rows.get(r.key);
      if (tr === undefined) {
        tr = el("tr", { "data-key": r.key });
        for (const c of this.#columns) tr.append(el("td", { class: c.kind === "num" ? "num" : "" }));
        this.#rows.set(r.key, tr);
      }
      const cls = r.cls ?? "";
      if (tr.className !== cls) tr.className = cls;
      r.cells.forEach((cell, i) => {
        const td = tr.children[i] as HTMLElement;
        const base = this.#columns[i]?.kind === "num" ? "num" : "";
        if (typeof cell === "string") setText(td, cell, base);
        else setText(td, cell.text, (base + " " + cell.cls).trim());
      });
      // In order: move only a row that is not where it belongs.
      const want: Element | null = previous === null ? this.#body.firstElementChild : previous.nextElementSibling;
      if (want !== tr) this.#body.insertBefore(tr, want);
      previous = tr;
    }
    for (const [key, tr] of this.#rows)
      if (!keep.has(key)) {
        tr.remove();
        this.#rows.delete(key);
      }
    const empty = rows.length === 0;
    if (empty && this.#empty.parentElement === null) this.#body.append(this.#empty);
    if (!empty && this.#empty.parentElement !== null) this.#empty.remove();
  }
}
