import type { TaskJSON, TasksMessage } from "@kfp-notebook/shared";
import { describe, expect, it } from "vitest";

import packed from "../../shared/src/packed.fixtures.generated.json";
import { task } from "./fixtures.test-util";
import type { Model, State } from "./model";
import { mergeTasks, RunTasks } from "./tasks";

/** The traits a kernel syncs and the custom messages it sends, as a widget model delivers them. */
class KernelSide {
  state: Partial<State> = { tasks: [], log_counts: {}, batch: 0 };
  private readonly listeners = new Map<string, Set<(...args: never[]) => void>>();
  readonly model: Model = {
    get: (name) => this.state[name] as never,
    set: () => undefined,
    save_changes: () => undefined,
    send: () => undefined,
    on: (event, callback) => {
      const held = this.listeners.get(event) ?? new Set();
      held.add(callback);
      this.listeners.set(event, held);
    },
    off: (event, callback) => this.listeners.get(event)?.delete(callback),
  };

  /** A whole list (the traits set in one update). */
  whole(batch: number, tasks: TaskJSON[], log_counts: Record<string, number> = {}): void {
    this.state = { ...this.state, tasks, log_counts, batch };
  }

  /** A batch of changes (a `tasks` message). */
  changes(batch: number, tasks: TaskJSON[], log_counts: Record<string, number> = {}): void {
    const msg: TasksMessage = { kind: "tasks", batch, tasks, log_counts };
    for (const callback of this.listeners.get("msg:custom") ?? []) {
      (callback as (m: unknown) => void)(msg);
    }
  }
}

const states = (tasks: TaskJSON[]) => tasks.map((t) => `${t.task_id}:${t.status}`);

describe("run tasks", () => {
  it("merges changed tasks in their place and new ones last", () => {
    const whole = [task("a", "container", "RUNNING"), task("b", "container", "PENDING")];
    const changes = new Map([
      ["c", task("c", "container", "PENDING")],
      ["a", task("a", "container", "SUCCEEDED")],
    ]);
    expect(states(mergeTasks(whole, changes))).toEqual(["a:SUCCEEDED", "b:PENDING", "c:PENDING"]);
    expect(mergeTasks(whole, new Map())).toBe(whole);
  });

  it("lays one batch's changes over the whole list, which a later whole list replaces", () => {
    const kernel = new KernelSide();
    const ticks = Array.from({ length: 1000 }, (_, i) => task(`t${i}`, "container", "PENDING"));
    kernel.whole(1, ticks, {});
    let redraws = 0;
    const runTasks = new RunTasks(kernel.model, () => redraws++);
    const first = runTasks.tasks();
    expect(first).toBe(ticks);
    expect(runTasks.tasks()).toBe(first); // the same array until something changes

    kernel.changes(2, [task("t7", "container", "RUNNING")], { t7: 3 });
    expect(redraws).toBe(1);
    const after = runTasks.tasks();
    expect(after).toHaveLength(1000);
    expect(after[7]?.status).toBe("RUNNING");
    expect(after.filter((t) => t.status !== "PENDING")).toHaveLength(1);
    expect(runTasks.logCounts()).toEqual({ t7: 3 });

    // a whole list of batch 3 holds t7 done; a change of batch 4 (t8) stays over it
    kernel.changes(4, [task("t8", "container", "RUNNING")]);
    const done = ticks.map((t) =>
      t.task_id === "t7" ? { ...t, status: "SUCCEEDED" as const } : t,
    );
    kernel.whole(3, done, { t7: 5 });
    expect(states(runTasks.tasks()).slice(7, 9)).toEqual(["t7:SUCCEEDED", "t8:RUNNING"]);
    expect(runTasks.logCounts()).toEqual({ t7: 5 });
    // a batch older than the whole list (had it come late) changes nothing
    kernel.changes(3, [task("t7", "container", "RUNNING")]);
    expect(runTasks.tasks()[7]?.status).toBe("SUCCEEDED");
    runTasks.dispose();
  });

  it("a view drawn late shows the last whole list, then converges with the next", () => {
    const kernel = new KernelSide();
    kernel.whole(1, [task("a", "container", "PENDING")]);
    kernel.changes(2, [task("a", "container", "RUNNING"), task("b", "container", "PENDING")]);
    const late = new RunTasks(kernel.model, () => undefined); // missed batch 2
    expect(states(late.tasks())).toEqual(["a:PENDING"]);
    kernel.changes(3, [task("b", "container", "RUNNING")]);
    expect(states(late.tasks())).toEqual(["a:PENDING", "b:RUNNING"]);
    kernel.whole(4, [task("a", "container", "SUCCEEDED"), task("b", "container", "RUNNING")]);
    expect(states(late.tasks())).toEqual(["a:SUCCEEDED", "b:RUNNING"]);
  });

  it("reads the whole list the kernel packed, and lays changes over it", () => {
    const kernel = new KernelSide();
    kernel.state = { packed_tasks: packed.packed, batch: 1 };
    const runTasks = new RunTasks(kernel.model, () => undefined);
    expect(runTasks.tasks()).toEqual(packed.tasks);
    expect(runTasks.logCounts()).toEqual(packed.log_counts);
    expect(runTasks.tasks()).toBe(runTasks.tasks()); // read once
    kernel.changes(2, [task("report", "container", "RUNNING")], { report: 1 });
    expect(runTasks.tasks().find((t) => t.task_id === "report")?.status).toBe("RUNNING");
    expect(runTasks.logCounts()).toMatchObject({ report: 1, prep: 12 });
    kernel.state = { packed_tasks: "", batch: 3 }; // a run that has no task yet
    expect(runTasks.tasks()).toEqual([]);
  });

  it("reads a notebook saved before batches (no batch trait)", () => {
    const kernel = new KernelSide();
    kernel.state = { tasks: [task("a", "container", "SUCCEEDED")], log_counts: { a: 2 } };
    const saved = new RunTasks(kernel.model, () => undefined);
    expect(states(saved.tasks())).toEqual(["a:SUCCEEDED"]);
    expect(saved.logCounts()).toEqual({ a: 2 });
  });
});
