// Tasks for the widget's tests, in the shared TaskJSON shape.
import type { TaskJSON, TaskKind, TaskState } from "@kfp-notebook/shared";

export function task(
  task_id: string,
  kind: TaskKind,
  status: TaskState,
  over: Partial<TaskJSON> = {},
): TaskJSON {
  const cut = task_id.lastIndexOf("/");
  return {
    task_id,
    name: task_id.slice(cut + 1),
    parent_id: cut < 0 ? null : task_id.slice(0, cut),
    kind,
    component: kind === "container" ? `comp-${task_id}` : "",
    dependencies: [],
    status,
    started: null,
    finished: null,
    duration: null,
    attempts: 1,
    inputs: {},
    outputs: {},
    message: "",
    cache_key: null,
    artifacts: [],
    ...over,
  };
}
