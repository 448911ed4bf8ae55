// The synced traits of the run widget (what a saved notebook keeps: run status and slim tasks)
// and the messages that carry logs and outputs, which a saved notebook does not keep.
import {
  isLeafKind,
  type KernelMessage,
  type TaskJSON,
  type WidgetTraits,
} from "@kfp-notebook/shared";

export type { KernelMessage, LogTail } from "@kfp-notebook/shared";

/**
 * The synced traits: what the kernel sets, the number of the batch whose whole list
 * `packed_tasks` holds (changes come between in messages: tasks.ts), and the selected task's id
 * ("" for none). A notebook saved before the list was packed holds `tasks` and `log_counts`.
 */
export type State = WidgetTraits & {
  batch: number;
  selected: string;
  tasks?: TaskJSON[];
  log_counts?: Record<string, number>;
};

export interface Model {
  get<K extends keyof State>(name: K): State[K];
  set<K extends keyof State>(name: K, value: State[K]): void;
  save_changes(): void;
  send(content: unknown): void;
  on(event: string, callback: (...args: never[]) => void): void;
  off(event: string, callback: (...args: never[]) => void): void;
}

/** Calls `handler` with each message the kernel sends; returns what stops it. */
export function onKernelMessage(model: Model, handler: (msg: KernelMessage) => void): () => void {
  const listener = (msg: KernelMessage) => handler(msg);
  model.on("msg:custom", listener);
  return () => model.off("msg:custom", listener);
}

/** The task a view shows: the selected one, or the only task of a single-task run. */
export function shownTask(tasks: TaskJSON[], selected: string): string {
  if (selected) {
    return selected;
  }
  const leaves = tasks.filter((t) => isLeafKind(t.kind));
  return leaves.length === 1 ? (leaves[0] as TaskJSON).task_id : "";
}
