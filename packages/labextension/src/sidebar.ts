/**
 * The left-panel browser: pipeline roots -> runs -> tasks -> artifacts. While it is visible it
 * polls `/roots` (one cheap request: every root's change token) and re-reads only the roots and
 * expanded runs whose token moved; running durations tick locally in between.
 */
import { Notification } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";

import {
  elapsed,
  formatDuration,
  formatTime,
  plural,
  TERMINAL_STATES,
  type ArtifactJSON,
  type LoopOrder,
  type RootJSON,
  type RunDetailJSON,
  type RunJSON,
  type TaskJSON,
} from "@kfp-notebook/shared";

import { api } from "./api";
import { ExperimentFilter } from "./experiments";
import { actionButton, actions, el, fitLabels, fullLabel, paramsText, statusIcon } from "./format";
import { loopControls, LoopViews, markLoop, runsInside, showMore } from "./loops";
import type { LoopPage } from "./loops";
import { RunSelection } from "./selection";

const PAGE = 50;
const REMOTE_RUNNER = "kubeflow"; // a run on a cluster: its tasks are not spun here
const POLL_MS = 1500;

export interface ISidebarActions {
  preview(root: RootJSON, runId: string, artifact: ArtifactJSON): void;
  openInLab(path: string, isDir: boolean): void;
  copyPath(text: string): void;
  logs(root: RootJSON, runId: string, task?: string): void;
  rerun(root: RootJSON, run: RunJSON, task: TaskJSON): Promise<void>;
  /** Spin the task as a new run; resolves to that run's id, or null when none was started. */
  spin(root: RootJSON, run: RunJSON, task: TaskJSON): Promise<string | null>;
  deleteRun(root: RootJSON, run: RunJSON): Promise<boolean>;
  compare(root: RootJSON, runIds: string[]): void;
  trend(root: RootJSON, experiment: string): void;
}

interface IRootState {
  runs: RunJSON[];
  cursor: string | null;
  total: number;
  token: string;
}

export class RunsSidebar extends Widget {
  private roots: RootJSON[] = [];
  private rootState = new Map<string, IRootState>();
  private details = new Map<string, RunDetailJSON>();
  private open = new Set<string>();
  private filterText = "";
  private statusFilter = "";
  private tree = el("div", "kfpsb-tree");
  private timer = 0;
  private fitted = new Map<string, number>();
  private busy = false;
  private reveal: { rootId: string; runId: string } | null = null; // scrolled to once listed
  private selection = new RunSelection(
    () => this.render(),
    (rootId, ids) => {
      const root = this.roots.find((r) => r.id === rootId);
      if (root) this.actions.compare(root, ids);
    },
  );
  private experiments = new ExperimentFilter(() => void this.reloadAll());
  private loops = new LoopViews(); // large loops' order and page; open ones are in `open`

  constructor(private actions: ISidebarActions) {
    super();
    this.id = "kfp-notebook-sidebar";
    this.addClass("kfpsb-sidebar");
    this.title.caption = "Pipeline runs (kfp-notebook)";
    this.node.append(this.header(), this.tree);
  }

  private header(): HTMLElement {
    const head = el("div", "kfpsb-header");
    head.append(el("div", "kfpsb-title", "Pipeline runs"));
    const row = el("div", "kfpsb-filters");
    const input = el("input", "kfpsb-filter");
    input.placeholder = "Filter runs by id or pipeline";
    input.setAttribute("aria-label", "Filter runs");
    let debounce = 0;
    input.addEventListener("input", () => {
      window.clearTimeout(debounce);
      debounce = window.setTimeout(() => {
        this.filterText = input.value.trim();
        void this.reloadAll();
      }, 250);
    });
    const status = el("select", "kfpsb-status-filter");
    status.setAttribute("aria-label", "Filter by status");
    for (const s of ["", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"]) {
      const option = el("option", "", s || "any status");
      option.value = s;
      status.append(option);
    }
    status.addEventListener("change", () => {
      this.statusFilter = status.value;
      void this.reloadAll();
    });
    row.append(
      input,
      status,
      actionButton("⟳", "Refresh", () => void this.reloadAll()),
    );
    head.append(row);
    const compareRow = el("div", "kfpsb-filters kfpsb-compare-row");
    compareRow.append(this.experiments.select, this.selection.button);
    head.append(compareRow);
    return head;
  }

  protected override onAfterShow(): void {
    void this.tick();
  }

  protected override onAfterAttach(): void {
    void this.tick();
  }

  protected override onBeforeHide(): void {
    window.clearTimeout(this.timer);
  }

  override dispose(): void {
    window.clearTimeout(this.timer);
    super.dispose();
  }

  /** One poll: read the tokens, re-read what changed, redraw, and schedule the next poll. */
  private async tick(): Promise<void> {
    window.clearTimeout(this.timer);
    if (!this.busy) {
      this.busy = true;
      try {
        const { roots } = await api.roots();
        this.roots = roots;
        await this.experiments.refresh(roots);
        for (const root of roots) {
          const state = this.rootState.get(root.id);
          if (this.shown(root) && (!state || state.token !== root.token)) {
            await this.loadRoot(root, state ? Math.max(state.runs.length, PAGE) : PAGE);
            await this.reloadOpenRuns(root);
          }
        }
        this.render();
      } catch (error) {
        this.tree.replaceChildren(el("div", "kfpsb-error", `Cannot reach the server: ${error}`));
      } finally {
        this.busy = false;
      }
    }
    if (this.isVisible && !this.isDisposed) {
      this.timer = window.setTimeout(() => void this.tick(), POLL_MS);
    }
  }

  /** Filtering searches every root; otherwise only the open ones are read. */
  private filtering(): boolean {
    return this.filterText !== "" || this.statusFilter !== "";
  }

  private shown(root: RootJSON): boolean {
    return this.filtering() || this.open.has(root.id);
  }

  private async reloadAll(): Promise<void> {
    this.rootState.clear();
    await this.tick();
  }

  /** Open the root and the run `runId` (a run just started) and scroll to it once listed. */
  private async showRun(root: RootJSON, runId: string | null): Promise<void> {
    if (runId === null) {
      return;
    }
    const key = `${root.id}/${runId}`;
    this.open.add(root.id);
    this.open.add(key);
    this.reveal = { rootId: root.id, runId };
    await this.reloadAll();
  }

  private async loadRoot(root: RootJSON, limit: number): Promise<void> {
    const filter = {
      status: this.statusFilter,
      q: this.filterText,
      experiment: this.experiments.value,
    };
    const page = await api.runs(root.id, limit, null, filter);
    this.rootState.set(root.id, { ...page, cursor: page.next_cursor });
  }

  private async loadMore(root: RootJSON): Promise<void> {
    const state = this.rootState.get(root.id);
    if (!state?.cursor) {
      return;
    }
    const filter = {
      status: this.statusFilter,
      q: this.filterText,
      experiment: this.experiments.value,
    };
    const page = await api.runs(root.id, PAGE, state.cursor, filter);
    state.runs.push(...page.runs);
    state.cursor = page.next_cursor;
    this.render();
  }

  private async reloadOpenRuns(root: RootJSON): Promise<void> {
    const runs = this.rootState.get(root.id)?.runs ?? [];
    for (const run of runs) {
      const key = `${root.id}/${run.run_id}`;
      if (this.open.has(key)) {
        this.details.set(key, await api.run(root.id, run.run_id));
      }
    }
  }

  private async toggle(key: string, load?: () => Promise<void>): Promise<void> {
    if (this.open.has(key)) {
      this.open.delete(key);
    } else {
      this.open.add(key);
      if (load) {
        await load();
      }
    }
    this.render();
  }

  private render(): void {
    const nodes: HTMLElement[] = [];
    if (!this.roots.length) {
      nodes.push(
        el("div", "kfpsb-note", "No pipeline roots yet: run a pipeline with kfp_notebook."),
      );
    }
    let matches = 0;
    for (const root of this.roots) {
      const state = this.rootState.get(root.id);
      if (this.filtering() && !state?.runs.length) {
        continue; // a root without a matching run is hidden while filtering
      }
      matches++;
      nodes.push(this.rootRow(root));
      if (this.shown(root)) {
        nodes.push(...this.runRows(root));
      }
    }
    if (this.roots.length && !matches) {
      nodes.push(el("div", "kfpsb-note", "No matching runs in any pipeline root"));
    }
    this.tree.replaceChildren(...nodes);
    fitLabels(this.tree, this.fitted);
    const reveal = this.reveal;
    const row = [...this.tree.querySelectorAll<HTMLElement>(".kfpsb-run")].find(
      (r) => r.dataset.runId === reveal?.runId && r.dataset.rootId === reveal?.rootId,
    );
    if (row) {
      row.scrollIntoView?.({ block: "nearest" });
      this.reveal = null;
    }
  }

  private row(depth: number, key: string | null, className: string): HTMLElement {
    const row = el("div", `kfpsb-row ${className}`);
    row.style.paddingLeft = `${4 + depth * 14}px`;
    if (key !== null) {
      row.append(el("span", "kfpsb-caret", this.open.has(key) ? "▾" : "▸"));
    } else {
      row.append(el("span", "kfpsb-caret", ""));
    }
    return row;
  }

  private rootRow(root: RootJSON): HTMLElement {
    const row = this.row(0, this.filtering() ? null : root.id, "kfpsb-root");
    row.dataset.root = root.path;
    row.title = root.path;
    row.append(
      el("span", "kfpsb-label", root.name || root.path),
      el("span", "kfpsb-meta", plural(root.runs, "run")),
    );
    if (this.experiments.holds(root)) {
      const name = this.experiments.value;
      row.append(
        actionButton("trend", `Trend of a metric over ${name}`, () =>
          this.actions.trend(root, name),
        ),
      );
    }
    if (!this.filtering()) {
      row.addEventListener(
        "click",
        () => void this.toggle(root.id, () => this.loadRoot(root, PAGE)),
      );
    }
    return row;
  }

  private runRows(root: RootJSON): HTMLElement[] {
    const state = this.rootState.get(root.id);
    if (!state) {
      return [];
    }
    const out: HTMLElement[] = [];
    for (const run of state.runs) {
      const key = `${root.id}/${run.run_id}`;
      const row = this.row(1, key, "kfpsb-run");
      row.dataset.runId = run.run_id;
      row.dataset.rootId = root.id;
      row.dataset.status = run.status;
      row.title = `${run.run_id}\n${run.pipeline_name}, started ${formatTime(run.created)}${run.message ? `\n${run.message}` : ""}`;
      const listed = () => state.runs.map((r) => r.run_id);
      const buttons = [
        actionButton("log", "Open the run log", () => this.actions.logs(root, run.run_id)),
      ];
      row.append(
        this.selection.checkbox(root.id, run.run_id, listed),
        statusIcon(run.status),
        fullLabel(run.run_id),
        el("span", "kfpsb-meta", formatDuration(elapsed(run.created, run.finished))),
      );
      if (run.status === "RUNNING") {
        buttons.push(
          actionButton("■", "Cancel this run", async () => {
            try {
              await api.cancelRun(root.id, run.run_id);
            } catch (error) {
              Notification.error(`Cancel failed: ${error}`);
            }
          }),
        );
      }
      if (TERMINAL_STATES.has(run.status)) {
        buttons.push(
          actionButton("✕", "Delete this run", async () => {
            if (await this.actions.deleteRun(root, run)) {
              this.open.delete(key);
              await this.reloadAll();
            }
          }),
        );
      }
      row.append(actions(buttons));
      row.addEventListener(
        "click",
        () =>
          void this.toggle(key, async () => {
            this.details.set(key, await api.run(root.id, run.run_id));
          }),
      );
      out.push(row);
      const detail = this.details.get(key);
      if (this.open.has(key) && detail) {
        out.push(...this.taskRows(root, detail));
      }
    }
    if (state.cursor) {
      const more = this.row(1, null, "kfpsb-more");
      more.append(el("span", "kfpsb-label", `Load more (${state.runs.length} of ${state.total})`));
      more.addEventListener("click", () => void this.loadMore(root));
      out.push(more);
    } else if (!state.runs.length) {
      const none = this.row(1, null, "kfpsb-note");
      none.append(
        el("span", "", this.filterText || this.statusFilter ? "No matching runs" : "No runs"),
      );
      out.push(none);
    }
    return out;
  }

  /** Tasks as a tree by `parent_id` (conditions and loops hold their tasks), each task
   * followed by its artifacts when open, then its children; a large loop as loops.ts says. */
  private taskRows(root: RootJSON, detail: RunDetailJSON): HTMLElement[] {
    const ids = new Set(detail.tasks.map((t) => t.task_id));
    const children = new Map<string | null, TaskJSON[]>();
    for (const task of detail.tasks) {
      const parent = task.parent_id !== null && ids.has(task.parent_id) ? task.parent_id : null;
      const siblings = children.get(parent) ?? [];
      siblings.push(task); // not a copy per task: a loop may hold thousands
      children.set(parent, siblings);
    }
    const prefix = `${root.id}/${detail.run.run_id}/`;
    const busy = runsInside(children);
    const walk = (parent: string | null, depth: number): HTMLElement[] => {
      const out: HTMLElement[] = [];
      for (const task of children.get(parent) ?? []) {
        const key = prefix + task.task_id;
        const iterations = task.kind === "loop" ? (children.get(task.task_id) ?? []) : [];
        const loop = this.loops.page(key, iterations, busy, Date.now() / 1000);
        const rows = this.taskRow(root, detail, task, depth, loop !== null);
        out.push(...rows);
        if (!loop) {
          out.push(...walk(task.task_id, depth + 1));
          continue;
        }
        markLoop(rows[0], loop.counts);
        if (this.open.has(key)) {
          out.push(...this.loopRows(root, detail, key, loop, depth + 1, walk));
        }
      }
      return out;
    };
    return walk(null, 0);
  }

  /** An open large loop: its order, a page of its iterations (each open onto its tasks when
   * the user opens it) and "Show more". */
  private loopRows(
    root: RootJSON,
    detail: RunDetailJSON,
    key: string,
    loop: LoopPage,
    depth: number,
    walk: (parent: string, depth: number) => HTMLElement[],
  ): HTMLElement[] {
    const pick = (order: LoopOrder) => (this.loops.order(key, order), this.render());
    const out = [loopControls(this.row(2 + depth, null, "kfpsb-loop-controls"), loop, pick)];
    const prefix = `${root.id}/${detail.run.run_id}/`;
    for (const it of loop.iterations) {
      out.push(...this.taskRow(root, detail, it, depth, true));
      if (this.open.has(prefix + it.task_id)) {
        out.push(...walk(it.task_id, depth + 1));
      }
    }
    if (loop.iterations.length < loop.counts.total) {
      const more = this.row(2 + depth, null, "kfpsb-more kfpsb-loop-more");
      out.push(showMore(more, loop, () => (this.loops.more(key), this.render())));
    }
    return out;
  }

  private taskRow(
    root: RootJSON,
    detail: RunDetailJSON,
    task: TaskJSON,
    depth: number,
    folds = false, // a large loop or one of its iterations: open or closed by the user
  ): HTMLElement[] {
    const key = `${root.id}/${detail.run.run_id}/${task.task_id}`;
    const hasArtifacts = task.artifacts.length > 0;
    const row = this.row(
      2 + depth,
      hasArtifacts || folds ? key : null,
      `kfpsb-task kfpsb-kind-${task.kind}`,
    );
    row.dataset.taskId = task.task_id;
    row.dataset.status = task.status;
    row.dataset.depth = String(depth);
    row.dataset.parentId = task.parent_id ?? "";
    row.title = [
      `${task.kind} ${task.task_id}`,
      task.message,
      paramsText("inputs", task.inputs),
      paramsText("outputs", task.outputs),
    ]
      .filter(Boolean)
      .join("\n");
    row.append(
      statusIcon(task.status),
      el("span", "kfpsb-label", task.name),
      el("span", "kfpsb-meta", formatDuration(elapsed(task.started, task.finished))),
    );
    if (task.kind === "container" || task.kind === "importer") {
      const buttons = [
        actionButton("log", "Open the task log", () =>
          this.actions.logs(root, detail.run.run_id, task.task_id),
        ),
      ];
      if (TERMINAL_STATES.has(detail.run.status)) {
        buttons.push(
          actionButton(
            "↻",
            "Re-run the pipeline from this task",
            () => void this.actions.rerun(root, detail.run, task).then(() => this.reloadAll()),
          ),
        );
        if (task.kind === "container" && detail.run.runner !== REMOTE_RUNNER) {
          buttons.push(
            actionButton(
              "spin",
              "Spin this task: run it alone again with this run's inputs, as a new run",
              () =>
                void this.actions.spin(root, detail.run, task).then((id) => this.showRun(root, id)),
            ),
          );
        }
      }
      row.append(actions(buttons));
    }
    if (hasArtifacts || folds) {
      row.addEventListener("click", () => void this.toggle(key));
    }
    const out = [row];
    if (this.open.has(key)) {
      for (const art of task.artifacts) {
        out.push(this.artifactRow(root, detail.run.run_id, art, 3 + depth));
      }
    }
    return out;
  }

  private artifactRow(
    root: RootJSON,
    runId: string,
    art: ArtifactJSON,
    depth: number,
  ): HTMLElement {
    const row = this.row(depth, null, "kfpsb-artifact");
    row.dataset.artifact = art.name;
    row.title = `${art.name}\n${art.type}\n${art.uri}`;
    row.append(
      el("span", "kfpsb-art-icon", art.is_dir ? "▤" : "◇"),
      el("span", "kfpsb-label", art.name),
      el("span", "kfpsb-meta", art.type.replace(/^system\./, "")),
    );
    const buttons = [actionButton("copy", "Copy the path", () => this.actions.copyPath(art.uri))];
    if (art.server_path !== null) {
      const serverPath = art.server_path;
      buttons.push(
        actionButton("open", "Open in JupyterLab", () =>
          this.actions.openInLab(serverPath, art.is_dir),
        ),
      );
    }
    row.append(actions(buttons));
    if (art.path !== null) {
      row.addEventListener("click", () => this.actions.preview(root, runId, art));
    }
    return row;
  }
}
