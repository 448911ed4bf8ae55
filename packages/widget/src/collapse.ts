// What the graph draws of a run with large loops: a ParallelFor of more than COLLAPSE_AT
// iterations is one node with its iterations' progress (done, running: a task of it running,
// failed, pending: not started or waiting for a worker) until
// the user opens it; opened, it shows one page of iterations (in order, failed first or slowest
// first), each with its tasks. So the graph's size, and its layout, are bounded by what is
// visible, not by the task count; a pipeline with few iterations looks as it always did.
import {
  DONE_STATES as DONE,
  FAILED_STATES as FAILED,
  isLeafKind,
  orderIterations as ordered,
  type LoopOrder,
  type TaskJSON,
} from "@kfp-notebook/shared";

export const COLLAPSE_AT = 12;
export const PAGE_SIZE = 10;

/** How the user left a large loop: open or not, which page, in which order. */
export interface LoopView {
  open: boolean;
  page: number;
  order: LoopOrder;
}

/** A large loop's iterations by state, and the page shown when it is open. */
export interface LoopSummary {
  total: number;
  done: number;
  running: number;
  failed: number;
  pending: number;
  open: boolean;
  page: number;
  pages: number;
  order: LoopOrder;
}

export interface Visible {
  tasks: TaskJSON[];
  loops: Map<string, LoopSummary>;
}

const ITERATION = /^(.*)\[\d+\]$/;

/**
 * The iterations with a task running in them: an iteration is RUNNING from its start, also
 * while its tasks wait for a worker (of 1,000 started, 2 may run); those count as pending.
 */
function busyIterations(tasks: TaskJSON[]): Set<string> {
  const busy = new Set<string>();
  for (const t of tasks) {
    if (t.status !== "RUNNING" || !isLeafKind(t.kind)) {
      continue;
    }
    let cut = t.task_id.lastIndexOf("/");
    while (cut > 0) {
      const prefix = t.task_id.slice(0, cut);
      if (ITERATION.test(prefix)) {
        busy.add(prefix);
      }
      cut = prefix.lastIndexOf("/");
    }
  }
  return busy;
}

function summarize(
  iterations: TaskJSON[],
  view: LoopView,
  pages: number,
  busy: ReadonlySet<string>,
): LoopSummary {
  const summary: LoopSummary = {
    total: iterations.length, done: 0, running: 0, failed: 0, pending: 0,
    open: view.open, page: Math.min(view.page, pages - 1), pages, order: view.order,
  }; // prettier-ignore
  for (const it of iterations) {
    if (DONE.has(it.status)) summary.done++;
    else if (FAILED.has(it.status)) summary.failed++;
    else if (it.status === "RUNNING" && busy.has(it.task_id)) summary.running++;
    else summary.pending++;
  }
  return summary;
}

/** The tasks the graph draws, and the summary of each large loop. */
export function visibleTasks(
  tasks: TaskJSON[],
  views: ReadonlyMap<string, LoopView>,
  now: number,
): Visible {
  const iterationsOf = new Map<string, TaskJSON[]>();
  for (const t of tasks) {
    if (t.kind === "iteration" && t.parent_id !== null) {
      const list = iterationsOf.get(t.parent_id) ?? [];
      list.push(t);
      iterationsOf.set(t.parent_id, list);
    }
  }
  const loops = new Map<string, LoopSummary>();
  const busy = [...iterationsOf.values()].some((its) => its.length > COLLAPSE_AT)
    ? busyIterations(tasks)
    : new Set<string>();
  const closed = new Set<string>(); // loops drawn as one node
  const hidden = new Set<string>(); // iterations of open loops not on the page shown
  for (const [loopId, iterations] of iterationsOf) {
    if (iterations.length <= COLLAPSE_AT) {
      continue;
    }
    const view = views.get(loopId) ?? { open: false, page: 0, order: "index" };
    const pages = Math.max(1, Math.ceil(iterations.length / PAGE_SIZE));
    const summary = summarize(iterations, view, pages, busy);
    loops.set(loopId, summary);
    if (!view.open) {
      closed.add(loopId);
      continue;
    }
    const start = summary.page * PAGE_SIZE;
    const page = ordered(iterations, view.order, now).slice(start, start + PAGE_SIZE);
    const onPage = new Set(page.map((t) => t.task_id));
    for (const it of iterations) {
      if (!onPage.has(it.task_id)) {
        hidden.add(it.task_id);
      }
    }
  }
  if (!loops.size) {
    return { tasks, loops };
  }
  // A task is hidden when one of the iterations it sits in is (`loop[3]/inner[1]/task`).
  const isHidden = (id: string): boolean => {
    let prefix = "";
    for (const part of id.split("/")) {
      prefix = prefix ? `${prefix}/${part}` : part;
      const loop = ITERATION.exec(prefix);
      if (loop && (closed.has(loop[1] as string) || hidden.has(prefix))) {
        return true;
      }
    }
    return false;
  };
  return { tasks: tasks.filter((t) => !isHidden(t.task_id)), loops };
}
