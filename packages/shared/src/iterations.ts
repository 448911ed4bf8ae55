// A ParallelFor's iterations as the run widget's loop node and the sidebar's loop row order
// them: run order (by index, `loop[2]` before `loop[10]`), failed (then running) first, or the
// longest first.
import type { TaskJSON } from "./model.generated";

export type LoopOrder = "index" | "failed" | "slowest";
export const LOOP_ORDERS: readonly LoopOrder[] = ["index", "failed", "slowest"];

/** The states a task or an iteration counts as done in. */
export const DONE_STATES: ReadonlySet<string> = new Set(["SUCCEEDED", "CACHED", "SKIPPED"]);

/** The states an iteration counts as failed in: it will not succeed in this run. */
export const FAILED_STATES: ReadonlySet<string> = new Set(["FAILED", "CANCELLED", "INTERRUPTED"]);

const byIndex = (a: TaskJSON, b: TaskJSON) =>
  a.task_id.localeCompare(b.task_id, "en", { numeric: true });

/** Seconds it ran (so far, for a running one); -1 for one never started. */
function duration(t: TaskJSON, now: number): number {
  return t.started === null ? -1 : (t.finished ?? now) - t.started;
}

/** The iterations in `order`; stable, so run order holds within a rank. */
export function orderIterations(
  iterations: readonly TaskJSON[],
  order: LoopOrder,
  now: number,
): TaskJSON[] {
  const sorted = [...iterations].sort(byIndex);
  if (order === "failed") {
    const rank = (t: TaskJSON) =>
      FAILED_STATES.has(t.status) ? 0 : t.status === "RUNNING" ? 1 : 2;
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
  if (order === "slowest") {
    return sorted.sort((a, b) => duration(b, now) - duration(a, now));
  }
  return sorted;
}
