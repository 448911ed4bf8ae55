// The synced traits of the run widget (kfp_notebook's widget sends them in the shared JSON
// shape) and the part of the anywidget model this front end uses.
import type { RunJSON, TaskJSON, TaskOutputsJSON } from "@kfp-notebook/shared";

export interface State {
  run: RunJSON;
  tasks: TaskJSON[];
  /** Last log lines per task_id. */
  logs: Record<string, string[]>;
  /** Lines logged so far per task_id (more than `logs` keeps). */
  log_counts: Record<string, number>;
  /** The selected task's task_id, or "" for none. */
  selected: string;
  /** The selected task's outputs with previews; null or {} when nothing is selected. */
  selected_outputs: TaskOutputsJSON | Record<string, never> | null;
}

export interface Model {
  get<K extends keyof State>(name: K): State[K];
  set<K extends keyof State>(name: K, value: State[K]): void;
  save_changes(): void;
  send(content: unknown): void;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

/** The selected outputs when they are those of `taskId`. */
export function outputsOf(
  outputs: State["selected_outputs"],
  taskId: string,
): TaskOutputsJSON | undefined {
  const selected = outputs as Partial<TaskOutputsJSON> | null;
  return selected?.task_id === taskId ? (selected as TaskOutputsJSON) : undefined;
}
