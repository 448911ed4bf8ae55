// The synced traits of the run widget (what a saved notebook keeps: run status and slim tasks)
// and the messages that carry logs and outputs, which a saved notebook does not keep.
import {
  isLeafKind,
  type RunJSON,
  type TaskJSON,
  type TaskOutputsJSON,
} from "@kfp-notebook/shared";

export interface State {
  run: RunJSON;
  /** Tasks without inputs, outputs and artifacts (asked for when a task is shown). */
  tasks: TaskJSON[];
  /** Lines logged so far per task_id. */
  log_counts: Record<string, number>;
  /** The selected task's task_id, or "" for none. */
  selected: string;
}

/** The newest lines of a task's log and how many it logged in all. */
export interface LogTail {
  lines: string[];
  count: number;
}

/** Messages from the kernel's widget. */
export type KernelMessage =
  | { kind: "logs"; tails: Record<string, LogTail>; append: boolean }
  | { kind: "outputs"; task_id: string; outputs: TaskOutputsJSON | Record<string, never> }
  | { kind: "esm"; source: string };

export interface Model {
  get<K extends keyof State>(name: K): State[K];
  set<K extends keyof State>(name: K, value: State[K]): void;
  save_changes(): void;
  send(content: unknown): void;
  on(event: string, callback: (...args: never[]) => void): void;
  off(event: string, callback: (...args: never[]) => void): void;
}

/** The task a view shows: the selected one, or the only task of a single-task run. */
export function shownTask(tasks: TaskJSON[], selected: string): string {
  if (selected) {
    return selected;
  }
  const leaves = tasks.filter((t) => isLeafKind(t.kind));
  return leaves.length === 1 ? (leaves[0] as TaskJSON).task_id : "";
}
