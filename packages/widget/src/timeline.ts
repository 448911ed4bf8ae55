// The timeline beside the graph: one bar per task that runs something, from its start to its end
// in seconds after the run's start (a running task grows to now, a cached one is a thin mark at
// the moment it was settled), earliest first, so the critical path, the worker bound and where
// the time went show. The tasks of a loop of more than AGGREGATE_AT iterations are one band
// per task of the loop, from the first start to the last end, with their counts and how many
// ran at once (the peak, and shading along the band: the worker bound shows). Plain DOM,
// positions in percent of the time span: a resize needs no redraw; an update only repaints
// while the rows stay the same.
import {
  DONE_STATES as DONE,
  FAILED_STATES as FAILED,
  formatDuration,
  h,
  isLeafKind,
  statusColour,
  type TaskJSON,
} from "@kfp-notebook/shared";

export const AGGREGATE_AT = 20;

/** One row of the timeline: a task, or a band of a large loop's iterations of one task. */
export interface Bar {
  /** The row's key: the task id, or the loop's path with `[*]` for the iterations. */
  key: string;
  label: string;
  status: string;
  /** Seconds after the run's start; null for a task that never started. */
  start: number | null;
  end: number | null;
  running: boolean;
  cached: boolean;
  /** What a click selects: the task, or a band's first failed (else slowest) task. */
  select: string;
  selected: boolean;
  /** A band's tasks by state, and the most of them that ran at once. */
  counts?: { total: number; done: number; running: number; failed: number; peak: number };
  /** A band's tasks running at once along it, in PROFILE_SLICES equal slices (mean counts). */
  profile?: number[];
}

export const PROFILE_SLICES = 40;

const ITERATION = /\[\d+\]$/;
const INDEX = /\[\d+\]/g;

/** The loops with more than AGGREGATE_AT iterations. */
function largeLoops(tasks: readonly TaskJSON[]): Set<string> {
  const count = new Map<string, number>();
  for (const t of tasks) {
    if (t.kind === "iteration" && t.parent_id !== null) {
      count.set(t.parent_id, (count.get(t.parent_id) ?? 0) + 1);
    }
  }
  return new Set([...count].filter(([, n]) => n > AGGREGATE_AT).map(([id]) => id));
}

/** A task's row: its id, or from the first large loop on, its path with `[*]` for indices. */
function rowKey(taskId: string, large: ReadonlySet<string>): string {
  if (!large.size) {
    return taskId;
  }
  let cut = taskId.indexOf("/");
  while (cut > 0) {
    const prefix = taskId.slice(0, cut);
    const loop = prefix.replace(ITERATION, "");
    if (loop !== prefix && large.has(loop)) {
      return `${loop}[*]${taskId.slice(cut).replace(INDEX, "[*]")}`;
    }
    cut = taskId.indexOf("/", cut + 1);
  }
  return taskId;
}

function barOf(t: TaskJSON, origin: number, now: number, selected: string): Bar {
  const started = t.started ?? t.finished; // a cached task took no time, when it was settled
  const running = t.status === "RUNNING" && t.started !== null && t.finished === null;
  const end = t.finished ?? (running ? now : null);
  return {
    key: t.task_id, label: t.task_id, status: t.status,
    start: started === null ? null : started - origin,
    end: end === null || started === null ? null : end - origin,
    running, cached: t.status === "CACHED", select: t.task_id, selected: t.task_id === selected,
  }; // prettier-ignore
}

const length = (b: Bar): number => (b.end ?? 0) - (b.start ?? 0);

/** Which of a band's tasks a click on it selects: a failed one, else the slowest. */
function worse(a: Bar, b: Bar): boolean {
  const failed = FAILED.has(a.status);
  return failed !== FAILED.has(b.status) ? failed : length(a) > length(b);
}

/** The most of `bars` that ran at once, and their mean count in each slice of [start, end]. */
export function concurrency(bars: Bar[], start: number, end: number): [number, number[]] {
  const profile = new Array<number>(PROFILE_SLICES).fill(0);
  const slice = (end - start) / PROFILE_SLICES;
  const events: [number, number][] = [];
  for (const b of bars) {
    if (b.start === null || b.end === null || b.end <= b.start) continue;
    events.push([b.start, 1], [b.end, -1]);
    const last = Math.min(PROFILE_SLICES - 1, Math.floor((b.end - start) / slice));
    for (let i = Math.floor((b.start - start) / slice); slice > 0 && i <= last; i++) {
      const from = start + i * slice;
      const overlap = Math.min(from + slice, b.end) - Math.max(from, b.start);
      profile[i] = (profile[i] ?? 0) + Math.max(0, overlap) / slice;
    }
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same time
  let running = 0;
  let peak = 0;
  for (const [, change] of events) {
    running += change;
    peak = Math.max(peak, running);
  }
  return [peak, profile];
}

function band(key: string, members: Bar[]): Bar {
  const counts = { total: members.length, done: 0, running: 0, failed: 0, peak: 0 };
  let start: number | null = null;
  let end: number | null = null;
  let pick: Bar | undefined;
  for (const b of members) {
    if (DONE.has(b.status)) counts.done++;
    else if (FAILED.has(b.status)) counts.failed++;
    else if (b.running) counts.running++;
    if (b.start !== null) start = start === null ? b.start : Math.min(start, b.start);
    if (b.end !== null) end = end === null ? b.end : Math.max(end, b.end);
    if (!pick || worse(b, pick)) pick = b;
  }
  const status = counts.failed
    ? "FAILED"
    : counts.running
      ? "RUNNING"
      : counts.done < counts.total
        ? "PENDING"
        : members.every((b) => b.cached)
          ? "CACHED"
          : "SUCCEEDED";
  const [peak, profile] = concurrency(members, start ?? 0, end ?? 0);
  counts.peak = peak;
  return {
    key, label: `${key} ×${counts.total}`, status, start, end,
    running: counts.running > 0, cached: status === "CACHED",
    select: pick?.select ?? "", selected: members.some((b) => b.selected), counts, profile,
  }; // prettier-ignore
}

const byStart = (a: Bar, b: Bar): number =>
  (a.start === null ? 1 : 0) - (b.start === null ? 1 : 0) ||
  (a.start ?? 0) - (b.start ?? 0) ||
  a.key.localeCompare(b.key, "en", { numeric: true });

/** The rows of the timeline, earliest start first (those that never started last). */
export function timelineBars(
  tasks: readonly TaskJSON[],
  origin: number,
  now: number,
  selected = "",
): Bar[] {
  const large = largeLoops(tasks);
  const rows = new Map<string, Bar[]>();
  for (const t of tasks) {
    if (!isLeafKind(t.kind)) {
      continue;
    }
    const key = rowKey(t.task_id, large);
    const list = rows.get(key) ?? [];
    list.push(barOf(t, origin, now, selected));
    rows.set(key, list);
  }
  const bars: Bar[] = [];
  for (const [key, members] of rows) {
    bars.push(key === members[0]?.key ? (members[0] as Bar) : band(key, members));
  }
  return bars.sort(byStart);
}

/** Round tick steps in seconds: a few ticks across `span`. */
export function ticks(span: number, most = 6): number[] {
  const steps = [
    0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200,
  ];
  const step = steps.find((s) => span / s <= most) ?? Math.ceil(span / most / 86400) * 86400;
  return Array.from(
    { length: Math.floor(span / step + 1e-9) + 1 },
    (_, i) => Math.round(i * step * 1000) / 1000,
  );
}

interface Row {
  el: HTMLDivElement;
  label: HTMLSpanElement;
  bar: HTMLDivElement;
  time: HTMLSpanElement;
}

/** The timeline's element: an axis, grid lines, and one row per bar. */
export class Timeline {
  readonly el = h("div", { class: "kfpnb-timeline" });
  private readonly axis = h("div", { class: "kfpnb-tl-axis" });
  private readonly grid = h("div", { class: "kfpnb-tl-grid" });
  private readonly body = h("div", { class: "kfpnb-tl-rows" });
  private rows = new Map<string, Row>();
  private keys = "";
  private tickKey = "";

  constructor(private readonly onSelect: (taskId: string) => void) {
    const ticks = h("div", { class: "kfpnb-tl-ticks" });
    this.axis.append(h("span", { class: "kfpnb-tl-label" }, "task"), ticks, h("span"));
    this.el.append(this.axis, h("div", { class: "kfpnb-tl-body" }, this.grid, this.body));
    const pick = (ev: Event) => {
      const row = (ev.target as Element).closest<HTMLElement>(".kfpnb-tl-row");
      const id = row?.getAttribute("data-select");
      if (id) this.onSelect(id);
    };
    this.body.addEventListener("click", pick);
    this.body.addEventListener("keydown", (ev) => (ev.key === "Enter" ? pick(ev) : undefined));
  }

  /** Draws `tasks` as of `now` (epoch seconds) from `origin` (the run's creation). */
  update(tasks: readonly TaskJSON[], selected: string, origin: number, now: number): void {
    const bars = timelineBars(tasks, origin, now, selected);
    const span = Math.max(1, now - origin, ...bars.map((b) => b.end ?? 0));
    const keys = bars.map((b) => b.key).join("|");
    if (keys !== this.keys) {
      this.keys = keys;
      this.rows = new Map(bars.map((b) => [b.key, this.row(b)]));
      this.body.replaceChildren(...[...this.rows.values()].map((r) => r.el));
    }
    this.paintAxis(span);
    for (const b of bars) {
      const row = this.rows.get(b.key);
      if (row) paint(row, b, span);
    }
  }

  private row(b: Bar): Row {
    const bar = h("div", { class: "kfpnb-tl-bar" });
    const time = h("span", { class: "kfpnb-tl-time" });
    const label = h("span", { class: "kfpnb-tl-label" }, b.label);
    const attrs = { class: "kfpnb-tl-row", "data-key": b.key, role: "button", tabindex: "0" };
    const el = h("div", attrs, label,
      h("div", { class: "kfpnb-tl-track" }, bar), time); // prettier-ignore
    if (b.counts) el.setAttribute("data-band", "");
    return { el, label, bar, time };
  }

  private paintAxis(span: number): void {
    const at = ticks(span);
    const key = `${at.join(",")}/${Math.round(span * 10)}`; // moves as a running run's span grows
    if (key === this.tickKey) return;
    this.tickKey = key;
    const pct = (t: number) => `${(100 * t) / span}%`;
    this.axis.children[1]?.replaceChildren(
      ...at.map((t) => h("span", { style: `left:${pct(t)}` }, t ? formatDuration(t) : "0")),
    );
    this.grid.replaceChildren(...at.map((t) => h("span", { style: `left:${pct(t)}` })));
  }
}

function paint({ el, label, bar, time }: Row, b: Bar, span: number): void {
  if (label.textContent !== b.label) label.textContent = b.label; // a band's count grows
  el.setAttribute("data-status", b.status);
  el.setAttribute("data-select", b.select);
  el.classList.toggle("selected", b.selected);
  const shown = b.start !== null;
  bar.hidden = !shown;
  bar.classList.toggle("kfpnb-tl-cached", b.cached);
  bar.classList.toggle("kfpnb-tl-running", b.running);
  if (shown) {
    const start = b.start as number;
    const width = b.cached ? 0 : Math.max(0, (b.end ?? start) - start);
    bar.style.left = `${(100 * start) / span}%`;
    bar.style.width = `${(100 * width) / span}%`;
    const colour = statusColour(b.status);
    bar.style.backgroundColor = colour.fill;
    bar.style.borderColor = colour.stroke;
    bar.style.backgroundImage = b.profile ? shading(b.profile, colour.stroke) : "";
  }
  const took =
    shown && b.end !== null && !b.cached ? formatDuration(b.end - (b.start as number)) : "";
  const counts = b.counts ? bandCounts(b.counts) : "";
  const said = b.counts ? counts : b.cached ? "cached" : shown ? "" : b.status.toLowerCase();
  time.textContent = [said, took].filter(Boolean).join(" · ");
  el.title = `${b.label}\n${b.status}${took ? ` · ${took}` : ""}${counts ? `\n${counts}` : ""}`;
}

function bandCounts(c: NonNullable<Bar["counts"]>): string {
  const parts = [`${c.done} of ${c.total} done`];
  if (c.running) parts.push(`${c.running} running`);
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.peak) parts.push(`≤${c.peak} at once`);
  return parts.join(" · ");
}

/** A band's shading: darker where more of its tasks ran at once (hard stops, one a slice). */
function shading(profile: number[], colour: string): string {
  const most = Math.max(...profile);
  if (!most) return "";
  const at = (i: number) => `${((100 * i) / profile.length).toFixed(2)}%`;
  const stops = profile.map((n, i) => {
    const share = Math.round((75 * n) / most); // the fill shows through at the most
    return `color-mix(in srgb, ${colour} ${share}%, transparent) ${at(i)} ${at(i + 1)}`;
  });
  return `linear-gradient(90deg, ${stops.join(", ")})`;
}
