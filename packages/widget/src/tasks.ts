// The run's tasks and log counts as a view shows them. The kernel syncs the whole list now and
// then (the `packed_tasks` trait, which a saved notebook keeps, and `batch`, the number of the
// batch it holds), and in between sends each batch's changes in a `tasks`
// message: the tasks changed, whole, keyed by task id, and the log counts that moved. Changes
// are laid over the list until a whole list of their batch or a later one replaces them, so a
// view drawn late, or one that missed a message, shows the last whole list and then converges.
import { type TaskJSON, type TasksMessage, unpackTasks } from "@kfp-notebook/shared";

import { onKernelMessage, type Model } from "./model";

interface Change<T> {
  value: T;
  batch: number;
}

/** The whole list with changes laid over it: a changed task in its place, new ones last. */
export function mergeTasks(whole: TaskJSON[], changes: ReadonlyMap<string, TaskJSON>): TaskJSON[] {
  if (!changes.size) {
    return whole;
  }
  const merged = whole.map((t) => changes.get(t.task_id) ?? t);
  const known = new Set(whole.map((t) => t.task_id));
  for (const [taskId, task] of changes) {
    if (!known.has(taskId)) {
      merged.push(task);
    }
  }
  return merged;
}

export class RunTasks {
  private readonly tasksChanged = new Map<string, Change<TaskJSON>>();
  private readonly countsChanged = new Map<string, Change<number>>();
  private whole: {
    key: unknown;
    batch: number;
    tasks: TaskJSON[];
    counts: Record<string, number>;
  } | null = null;
  private merged: { tasks: TaskJSON[]; counts: Record<string, number> } | null = null;
  readonly dispose: () => void;

  constructor(
    private readonly model: Model,
    private readonly changed: () => void,
  ) {
    this.dispose = onKernelMessage(model, (msg) => {
      if (msg?.kind === "tasks") {
        this.receive(msg);
        this.changed();
      }
    });
  }

  /** Lays a batch's changes over the list (a change of a later batch is kept over it). */
  receive(msg: TasksMessage): void {
    if (msg.batch <= (this.model.get("batch") ?? 0)) {
      return; // the whole list holds it already
    }
    const keep = <T>(held: Map<string, Change<T>>, key: string, value: T) => {
      if ((held.get(key)?.batch ?? -1) <= msg.batch) {
        held.set(key, { value, batch: msg.batch });
      }
    };
    for (const task of msg.tasks) {
      keep(this.tasksChanged, task.task_id, task);
    }
    for (const [taskId, count] of Object.entries(msg.log_counts)) {
      keep(this.countsChanged, taskId, count);
    }
    this.merged = null;
  }

  /** The tasks, in the kernel's order (the same array until something changes). */
  tasks(): TaskJSON[] {
    return this.current().tasks;
  }

  /** Lines logged so far per task id. */
  logCounts(): Record<string, number> {
    return this.current().counts;
  }

  private current(): { tasks: TaskJSON[]; counts: Record<string, number> } {
    const packed = this.model.get("packed_tasks");
    const legacy = packed ? undefined : this.model.get("tasks"); // saved before packing
    const key = packed || legacy;
    const batch = this.model.get("batch") ?? 0; // a notebook saved before batches: 0
    let whole = this.whole;
    if (!whole || whole.key !== key || whole.batch !== batch) {
      // a whole list: the changes it holds go (those of later batches stay)
      const read = packed
        ? unpackTasks(packed)
        : { tasks: legacy ?? [], counts: this.model.get("log_counts") ?? {} };
      whole = this.whole = { key, batch, ...read };
      for (const held of [this.tasksChanged, this.countsChanged]) {
        for (const [key, change] of held) {
          if (change.batch <= batch) {
            held.delete(key);
          }
        }
      }
      this.merged = null;
    }
    if (!this.merged) {
      const laid = new Map([...this.tasksChanged].map(([id, c]) => [id, c.value]));
      const countsLaid = Object.fromEntries(
        [...this.countsChanged].map(([id, c]) => [id, c.value]),
      );
      this.merged = {
        tasks: mergeTasks(whole.tasks, laid),
        counts: { ...whole.counts, ...countsLaid },
      };
    }
    return this.merged;
  }
}
