// The run widget's whole task list as the kernel syncs it and a saved notebook keeps it: the
// `packed_tasks` trait, one JSON string of a PackedTasks (its one writer and the why of the
// format: kfp_notebook/_views/packed_tasks.py; packed.test.ts reads the fixture Python wrote).
import type { PackedTasks, TaskJSON, TaskKind, TaskState } from "./model.generated";

/** The slim tasks (no inputs, outputs or artifacts) and lines logged per task id. */
export interface UnpackedTasks {
  tasks: TaskJSON[];
  counts: Record<string, number>;
}

/** Reads a `packed_tasks` string (times to the millisecond); "" holds no task. */
export function unpackTasks(text: string): UnpackedTasks {
  if (!text) {
    return { tasks: [], counts: {} };
  }
  const p = JSON.parse(text) as PackedTasks;
  if (p.version !== 1) {
    throw new Error(`packed tasks of version ${String(p.version)}: this widget reads 1`);
  }
  const str = (column: number[], i: number) => p.strings[column[i] as number] as string;
  const at = (column: (number | null)[], i: number) => {
    const ms = column[i];
    return ms === null || ms === undefined ? null : p.origin + ms / 1000;
  };
  const ids: string[] = [];
  p.id.forEach((tail, i) => {
    const parent = p.parent[i] as number;
    ids.push(parent >= 0 ? (ids[parent] as string) + tail : tail); // a parent comes first
  });
  const tasks: TaskJSON[] = [];
  const counts: Record<string, number> = {};
  ids.forEach((taskId, i) => {
    const parent = p.parent[i] as number;
    const row = String(i);
    const duration = p.duration[i];
    tasks.push({
      task_id: taskId,
      name: p.names[row] ?? taskId.slice(taskId.lastIndexOf("/") + 1),
      parent_id: parent >= 0 ? (ids[parent] as string) : (p.parent_ids[row] ?? null),
      kind: str(p.kind, i) as TaskKind,
      component: str(p.component, i),
      dependencies: (p.dependencies[row] ?? []).map((d) =>
        typeof d === "number" ? (ids[d] as string) : d,
      ),
      status: str(p.status, i) as TaskState,
      started: at(p.started, i),
      finished: at(p.finished, i),
      duration: duration === null || duration === undefined ? null : duration / 1000,
      attempts: p.attempts[i] as number,
      inputs: {},
      outputs: {},
      message: p.messages[row] ?? "",
      cache_key: p.cache_keys[row] ?? null,
      artifacts: [],
    });
    const logged = p.logs[i] as number;
    if (logged) {
      counts[taskId] = logged;
    }
  });
  return { tasks, counts: { ...counts, ...p.other_logs } };
}
