/**
 * A large ParallelFor in the sidebar's task tree (the run widget's graph does the same, see
 * packages/widget/src/collapse.ts): a loop of more than COLLAPSE_AT iterations is one row with a
 * bar and the counts of its iterations (done, running: a task of it running, failed, pending:
 * not started or waiting for a worker), closed until the user opens it; open, it lists its
 * iterations PAGE at a time ("Show more"), in run order, failed first or slowest first, each
 * closed until opened onto its tasks. A loop of a few iterations shows as it always did.
 */
import {
  DONE_STATES as DONE,
  FAILED_STATES as FAILED,
  isLeafKind,
  orderIterations as ordered,
  statusColour,
  type LoopOrder,
  type TaskJSON,
} from "@kfp-notebook/shared";

import { el } from "./format";

export const COLLAPSE_AT = 10;
export const PAGE = 20;

export const ORDER_LABELS: Readonly<Record<LoopOrder, string>> = {
  index: "run order",
  failed: "failed first",
  slowest: "slowest first",
};

export interface LoopCounts {
  total: number;
  done: number;
  running: number;
  failed: number;
  pending: number;
}

/** What the user chose for one loop: how many iterations are shown, in which order. */
export interface LoopView {
  shown: number;
  order: LoopOrder;
}

/** The iterations a large loop shows now, and its counts. */
export interface LoopPage {
  counts: LoopCounts;
  view: LoopView;
  iterations: TaskJSON[];
}

const SEGMENTS: [Exclude<keyof LoopCounts, "total">, string][] = [
  ["done", "SUCCEEDED"],
  ["running", "RUNNING"],
  ["failed", "FAILED"],
  ["pending", "PENDING"],
];

/**
 * The iterations by state. An iteration is RUNNING from its start, also while its tasks wait
 * for a worker (of 1,000 started, 2 may run): `busy` says whether a task of it runs, and one
 * that is not counts as pending.
 */
export function loopCounts(
  iterations: readonly TaskJSON[],
  busy: (iteration: TaskJSON) => boolean,
): LoopCounts {
  const counts = { total: iterations.length, done: 0, running: 0, failed: 0, pending: 0 };
  for (const it of iterations) {
    if (DONE.has(it.status)) counts.done++;
    else if (FAILED.has(it.status)) counts.failed++;
    else if (it.status === "RUNNING" && busy(it)) counts.running++;
    else counts.pending++;
  }
  return counts;
}

/** `busy` of loopCounts: whether a task (container, importer) under `task` runs, by the tree's
 * children of each task id. */
export function runsInside(children: ReadonlyMap<string | null, readonly TaskJSON[]>) {
  const busy = (task: TaskJSON): boolean =>
    (children.get(task.task_id) ?? []).some(
      (c) => c.status === "RUNNING" && (isLeafKind(c.kind) || busy(c)),
    );
  return busy;
}

const number = (n: number) => n.toLocaleString("en-US");

/** "812 of 1,000 done · 2 running · 3 failed" (running and failed only when there are some). */
export function countsText(c: LoopCounts): string {
  const extra = [
    c.running ? `${number(c.running)} running` : "",
    c.failed ? `${number(c.failed)} failed` : "",
  ].filter(Boolean);
  return [`${number(c.done)} of ${number(c.total)} done`, ...extra].join(" · ");
}

/** The loops' views by key (root/run/loop), kept across the sidebar's redraws and polls. */
export class LoopViews {
  private views = new Map<string, LoopView>();

  get(key: string): LoopView {
    return this.views.get(key) ?? { shown: PAGE, order: "index" };
  }

  more(key: string): void {
    const view = this.get(key);
    this.views.set(key, { ...view, shown: view.shown + PAGE });
  }

  order(key: string, order: LoopOrder): void {
    this.views.set(key, { shown: PAGE, order });
  }

  /** A large loop's counts and the iterations it shows; null for a loop of a few. */
  page(
    key: string,
    iterations: readonly TaskJSON[],
    busy: (iteration: TaskJSON) => boolean,
    now: number,
  ): LoopPage | null {
    if (iterations.length <= COLLAPSE_AT) {
      return null;
    }
    const view = this.get(key);
    return {
      counts: loopCounts(iterations, busy),
      view,
      iterations: ordered(iterations, view.order, now).slice(0, view.shown),
    };
  }
}

/** A small bar of the loop's iterations by state, coloured as the states are. */
export function progressBar(c: LoopCounts): HTMLElement {
  const bar = el("span", "kfpsb-loop-bar");
  for (const [key, status] of SEGMENTS) {
    const part = el("span", `kfpsb-loop-part kfpsb-loop-${key}`);
    part.style.flexGrow = String(c[key]);
    part.style.minWidth = c[key] ? "2px" : "0"; // 1 failed of 1,000 still shows
    part.style.background = statusColour(status).stroke;
    bar.append(part);
  }
  bar.title = `${c.total} iterations: ${c.done} done, ${c.running} running, ${c.failed} failed, ${c.pending} pending`;
  return bar;
}

/** A large loop's row: its bar and counts after its name (the counts on a line of their own). */
export function markLoop(row: HTMLElement | undefined, counts: LoopCounts): void {
  row?.classList.add("kfpsb-loop-large");
  row?.append(progressBar(counts), el("span", "kfpsb-loop-counts", countsText(counts)));
}

/** An open large loop's first row: the order of its iterations, and how many are shown. */
export function loopControls(
  row: HTMLElement,
  loop: LoopPage,
  pick: (order: LoopOrder) => void,
): HTMLElement {
  const shown = `${number(loop.iterations.length)} of ${number(loop.counts.total)} shown`;
  row.append(orderSelect(loop.view.order, pick), el("span", "kfpsb-meta", shown));
  return row;
}

/** The row after the iterations shown, when there are more: a click shows PAGE more. */
export function showMore(row: HTMLElement, loop: LoopPage, more: () => void): HTMLElement {
  const left = Math.min(PAGE, loop.counts.total - loop.iterations.length);
  row.append(el("span", "kfpsb-label", `Show ${left} more`));
  row.append(
    el("span", "kfpsb-meta", `${number(loop.iterations.length)} of ${number(loop.counts.total)}`),
  );
  row.addEventListener("click", more);
  return row;
}

/** The loop's order as a select; picking one calls `pick` (its clicks do not toggle the row). */
export function orderSelect(order: LoopOrder, pick: (order: LoopOrder) => void): HTMLElement {
  const select = el("select", "kfpsb-loop-order");
  select.setAttribute("aria-label", "Order of the iterations");
  for (const [value, label] of Object.entries(ORDER_LABELS)) {
    const option = el("option", "", label);
    option.value = value;
    option.selected = value === order;
    select.append(option);
  }
  select.addEventListener("click", (event) => event.stopPropagation());
  select.addEventListener("change", () => pick(select.value as LoopOrder));
  return select;
}
