// Progress of a run as the header shows it: leaf tasks (those that run something) that are
// over, of all leaf tasks; groups such as loops and conditions do not count.
import { isLeafKind, type TaskJSON } from "@kfp-notebook/shared";

export interface Progress {
  done: number;
  total: number;
}

export function progress(tasks: readonly TaskJSON[]): Progress {
  let done = 0;
  let total = 0;
  for (const t of tasks) {
    if (!isLeafKind(t.kind)) {
      continue;
    }
    total++;
    if (t.status !== "PENDING" && t.status !== "RUNNING") {
      done++;
    }
  }
  return { done, total };
}
