import { Widget } from "@lumino/widgets";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { RootJSON, RunJSON, TaskJSON } from "@kfp-notebook/shared";

import type { ISidebarActions } from "./sidebar";

// jsdom has no DragEvent, which @lumino/dragdrop (under @lumino/widgets) subclasses on import
vi.hoisted(() => {
  const g = globalThis as { DragEvent?: unknown };
  g.DragEvent ??= class DragEvent extends MouseEvent {};
});
const api = vi.hoisted(() => ({
  roots: vi.fn(),
  runs: vi.fn(),
  run: vi.fn(),
  experiments: vi.fn(),
  cancelRun: vi.fn(),
}));
vi.mock("./api", () => ({ api }));
vi.mock("@jupyterlab/apputils", () => ({ Notification: { error: vi.fn() } }));

const { RunsSidebar } = await import("./sidebar");

const ROOT: RootJSON = {
  id: "0123456789abcdef",
  path: "/data/outputs",
  name: "outputs",
  exists: true,
  runs: 3,
  token: "t1",
};

function run(run_id: string, status: RunJSON["status"], created: number): RunJSON {
  return {
    run_id,
    pipeline_name: "demo",
    status,
    created,
    finished: status === "RUNNING" ? null : created + 5,
    duration: null,
    arguments: {},
    outputs: {},
    message: "",
    task_counts: {},
    root: ROOT.path,
    experiment: "",
    runner: "local",
  };
}

function task(task_id: string, kind: TaskJSON["kind"], parent_id: string | null): TaskJSON {
  return {
    task_id,
    name: task_id.split("/").pop() as string,
    parent_id,
    kind,
    component: "",
    dependencies: [],
    status: "SUCCEEDED",
    started: 1,
    finished: 2,
    duration: 1,
    attempts: 1,
    inputs: { x: 1 },
    outputs: {},
    message: "",
    cache_key: null,
    artifacts: [],
  };
}

// newest first, as the server lists them
const RUNS = [
  run("run-3", "RUNNING", 300),
  run("run-2", "FAILED", 200),
  run("run-1", "SUCCEEDED", 100),
];
const TASKS = [
  task("prep", "container", null),
  task("loop", "loop", null),
  task("loop/0", "iteration", "loop"),
  task("loop/0/train", "container", "loop/0"),
];

function actions(): ISidebarActions {
  return {
    preview: vi.fn(),
    openInLab: vi.fn(),
    copyPath: vi.fn(),
    logs: vi.fn(),
    rerun: vi.fn(async () => undefined),
    spin: vi.fn(async () => null),
    deleteRun: vi.fn(async () => false),
    compare: vi.fn(),
    trend: vi.fn(),
  };
}

/** Lets the sidebar's awaited requests settle and redraw. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await Promise.resolve();
  }
}

const rows = (sidebar: Widget, selector: string) => [
  ...sidebar.node.querySelectorAll<HTMLElement>(selector),
];

describe("RunsSidebar", () => {
  let sidebar: InstanceType<typeof RunsSidebar>;
  let acts: ISidebarActions;

  beforeEach(async () => {
    api.roots.mockResolvedValue({ roots: [ROOT] });
    api.experiments.mockResolvedValue({ experiments: {} });
    api.runs.mockResolvedValue({ runs: RUNS, total: 3, next_cursor: null, token: "t1" });
    api.run.mockResolvedValue({ run: RUNS[1], tasks: TASKS, token: "t1" });
    acts = actions();
    sidebar = new RunsSidebar(acts);
    Widget.attach(sidebar, document.body); // its first poll
    await settle();
  });

  afterEach(() => {
    Widget.detach(sidebar);
    sidebar.dispose();
    vi.clearAllMocks();
  });

  it("lists the roots, then a root's runs with their status when it is opened", async () => {
    const [root] = rows(sidebar, ".kfpsb-root");
    expect(root?.dataset.root).toBe(ROOT.path);
    expect(root?.textContent).toContain("outputs");
    expect(root?.textContent).toContain("3 runs");
    expect(rows(sidebar, ".kfpsb-run")).toHaveLength(0);
    expect(root?.querySelector(".kfpsb-caret")?.textContent).toBe("▸");

    root?.click();
    await settle();
    const runs = rows(sidebar, ".kfpsb-run");
    expect(runs.map((r) => r.dataset.runId)).toEqual(["run-3", "run-2", "run-1"]);
    expect(runs.map((r) => r.dataset.status)).toEqual(["RUNNING", "FAILED", "SUCCEEDED"]);
    expect(runs[0]?.querySelector(".kfpsb-status")?.getAttribute("title")).toBe("RUNNING");
    expect(rows(sidebar, ".kfpsb-root")[0]?.querySelector(".kfpsb-caret")?.textContent).toBe("▾");
    const titles = (r: HTMLElement | undefined) =>
      [...(r?.querySelectorAll(".kfpsb-action") ?? [])].map((b) => b.getAttribute("title"));
    expect(titles(runs[0])).toContain("Cancel this run"); // running: cancel, no delete
    expect(titles(runs[0])).not.toContain("Delete this run");
    expect(titles(runs[1])).toContain("Delete this run");
    expect(titles(runs[1])).not.toContain("Cancel this run");
  });

  it("opens a run into its tasks as a tree, and a row's button acts without toggling", async () => {
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    rows(sidebar, ".kfpsb-run")[1]?.click();
    await settle();
    expect(api.run).toHaveBeenCalledWith(ROOT.id, "run-2");
    const tasks = rows(sidebar, ".kfpsb-task");
    expect(tasks.map((t) => [t.dataset.taskId, t.dataset.depth])).toEqual([
      ["prep", "0"],
      ["loop", "0"],
      ["loop/0", "1"],
      ["loop/0/train", "2"],
    ]);
    expect(tasks[0]?.title).toContain("inputs: x=1");
    const rerun = tasks[3]?.querySelector<HTMLElement>(".kfpsb-action[title^='Re-run']");
    expect(rerun).not.toBeNull(); // the run is over: its tasks can be re-run from
    const log = tasks[3]?.querySelector<HTMLElement>(".kfpsb-action[title='Open the task log']");
    log?.click();
    expect(acts.logs).toHaveBeenCalledWith(ROOT, "run-2", "loop/0/train");
    expect(rows(sidebar, ".kfpsb-task")).toHaveLength(4); // still open

    rows(sidebar, ".kfpsb-run")[1]?.click(); // closes again
    await settle();
    expect(rows(sidebar, ".kfpsb-task")).toHaveLength(0);
  });

  it("spins a container task of a finished local run as a new run, then opens that run", async () => {
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    rows(sidebar, ".kfpsb-run")[1]?.click(); // run-2, FAILED
    await settle();
    const spinOf = (taskId: string) =>
      sidebar.node.querySelector<HTMLElement>(
        `.kfpsb-task[data-task-id='${taskId}'] .kfpsb-action[title^='Spin']`,
      );
    expect(spinOf("loop/0/train")).not.toBeNull(); // beside Re-run, on leaf containers only
    expect(spinOf("loop")).toBeNull();
    expect(spinOf("loop/0")).toBeNull();

    const spun = run("demo-spin-train-1", "RUNNING", 400);
    vi.mocked(acts.spin).mockResolvedValueOnce(spun.run_id);
    api.runs.mockResolvedValue({ runs: [spun, ...RUNS], total: 4, next_cursor: null, token: "t2" });
    api.run.mockImplementation(async (_root: string, runId: string) =>
      runId === spun.run_id
        ? { run: spun, tasks: [task("train", "container", null)], token: "t2" }
        : { run: RUNS[1], tasks: TASKS, token: "t1" },
    );
    spinOf("loop/0/train")?.click();
    await settle();
    await settle();
    expect(acts.spin).toHaveBeenCalledWith(ROOT, RUNS[1], TASKS[3]);
    expect(rows(sidebar, ".kfpsb-run")[0]?.dataset.runId).toBe(spun.run_id); // listed, first
    expect(api.run).toHaveBeenCalledWith(ROOT.id, spun.run_id); // and opened into its tasks
    const shown = rows(sidebar, ".kfpsb-task").map((t) => t.dataset.taskId);
    expect(shown[0]).toBe("train");
  });

  it("offers no spin on a running run or on a run of a Kubeflow cluster", async () => {
    const remote = { ...run("run-k", "FAILED", 50), runner: "kubeflow" };
    api.runs.mockResolvedValue({
      runs: [RUNS[0], remote],
      total: 2,
      next_cursor: null,
      token: "t1",
    });
    api.run.mockImplementation(async (_root: string, runId: string) => ({
      run: runId === "run-k" ? remote : RUNS[0],
      tasks: TASKS,
      token: "t1",
    }));
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    rows(sidebar, ".kfpsb-run")[0]?.click();
    rows(sidebar, ".kfpsb-run")[1]?.click();
    await settle();
    expect(rows(sidebar, ".kfpsb-task")).toHaveLength(8); // both runs are open
    expect(sidebar.node.querySelector(".kfpsb-action[title^='Spin']")).toBeNull();
  });

  it("compares the checked runs of a root, oldest first, keeping picks across redraws", async () => {
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    const pick = (runId: string) =>
      sidebar.node.querySelector<HTMLInputElement>(
        `.kfpsb-run[data-run-id='${runId}'] .kfpsb-pick`,
      );
    pick("run-3")?.click();
    pick("run-1")?.click(); // each pick redraws the rows
    expect(pick("run-3")?.checked).toBe(true);
    expect(pick("run-2")?.checked).toBe(false);
    expect(rows(sidebar, ".kfpsb-task")).toHaveLength(0); // a pick does not open the run
    const button = sidebar.node.querySelector<HTMLButtonElement>(".kfpsb-compare-button");
    expect(button?.textContent).toBe("Compare 2");
    button?.click();
    expect(acts.compare).toHaveBeenCalledWith(ROOT, ["run-1", "run-3"]);
  });

  it("folds a large loop into one row with its counts, paged, ordered and kept open", async () => {
    const big = [task("prep", "container", null), task("for-loop-2", "loop", null)];
    for (let i = 0; i < 30; i++) {
      const it = { ...task(`for-loop-2[${i}]`, "iteration", "for-loop-2") };
      const leaf = task(`for-loop-2[${i}]/train`, "container", it.task_id);
      if (i === 17) {
        it.status = leaf.status = "FAILED";
      }
      big.push(it, leaf);
    }
    api.run.mockResolvedValue({ run: RUNS[1], tasks: big, token: "t1" });
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    rows(sidebar, ".kfpsb-run")[1]?.click();
    await settle();
    const shown = () => rows(sidebar, ".kfpsb-task").map((t) => t.dataset.taskId);
    expect(shown()).toEqual(["prep", "for-loop-2"]); // closed: 62 tasks, 2 rows
    const loop = () => sidebar.node.querySelector<HTMLElement>("[data-task-id='for-loop-2']");
    expect(loop()?.querySelector(".kfpsb-loop-counts")?.textContent).toBe(
      "29 of 30 done · 1 failed",
    );

    loop()?.click();
    await settle();
    expect(shown()).toHaveLength(2 + 20); // the first page of iterations, each closed
    expect(shown()[2]).toBe("for-loop-2[0]");
    expect(rows(sidebar, ".kfpsb-loop-more")[0]?.textContent).toContain("Show 10 more");
    const select = sidebar.node.querySelector<HTMLSelectElement>(".kfpsb-loop-order");
    if (select) select.value = "failed";
    select?.dispatchEvent(new Event("change"));
    expect(shown()[2]).toBe("for-loop-2[17]"); // failed first
    rows(sidebar, ".kfpsb-task[data-task-id='for-loop-2[17]']")[0]?.click();
    await settle();
    expect(shown().slice(2, 4)).toEqual(["for-loop-2[17]", "for-loop-2[17]/train"]);
    rows(sidebar, ".kfpsb-loop-more")[0]?.click();
    expect(shown()).toHaveLength(2 + 30 + 1);
    expect(rows(sidebar, ".kfpsb-loop-more")).toHaveLength(0);

    sidebar.node.querySelector<HTMLElement>(".kfpsb-action[title='Refresh']")?.click();
    await settle();
    await settle();
    expect(api.run).toHaveBeenCalledTimes(2); // read again, drawn as the user left it
    expect(shown()).toHaveLength(2 + 30 + 1);
    expect(shown().slice(2, 4)).toEqual(["for-loop-2[17]", "for-loop-2[17]/train"]);
    expect(sidebar.node.querySelector<HTMLSelectElement>(".kfpsb-loop-order")?.value).toBe(
      "failed",
    );
  });

  it("counts a loop's iteration running only while a task of it runs", async () => {
    const big = [task("for-loop-2", "loop", null)];
    for (let i = 0; i < 12; i++) {
      const it = task(`for-loop-2[${i}]`, "iteration", "for-loop-2");
      const leaf = task(`for-loop-2[${i}]/train`, "container", it.task_id);
      if (i < 2) {
        it.status = "RUNNING"; // started: its task runs (0) or waits for a worker (1)
        leaf.status = i === 0 ? "RUNNING" : "PENDING";
      } else if (i < 5) {
        it.status = leaf.status = "PENDING";
      }
      big.push(it, leaf);
    }
    api.run.mockResolvedValue({ run: RUNS[0], tasks: big, token: "t1" });
    rows(sidebar, ".kfpsb-root")[0]?.click();
    await settle();
    rows(sidebar, ".kfpsb-run")[0]?.click();
    await settle();
    const counts = sidebar.node.querySelector(".kfpsb-loop-counts");
    expect(counts?.textContent).toBe("7 of 12 done · 1 running");
    const bar = [...sidebar.node.querySelectorAll<HTMLElement>(".kfpsb-loop-part")];
    expect(bar.map((p) => p.style.flexGrow)).toEqual(["7", "1", "0", "4"]);
  });

  it("says so when there is no root yet", async () => {
    api.roots.mockResolvedValue({ roots: [] });
    const empty = new RunsSidebar(actions());
    Widget.attach(empty, document.body);
    await settle();
    expect(empty.node.querySelector(".kfpsb-note")?.textContent).toContain("No pipeline roots");
    Widget.detach(empty);
    empty.dispose();
  });
});
