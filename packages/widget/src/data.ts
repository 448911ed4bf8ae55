// Logs and outputs of a view, which the notebook does not keep: asked of the kernel's widget
// (it answers when idle, and sends live log lines by itself), or of the server extension when
// the kernel does not answer in time (busy running the cell, or gone with a saved notebook).
import {
  KfpApi,
  pageServerOptions,
  type ArtifactPreviewJSON,
  type RunJSON,
  type TaskOutputsJSON,
} from "@kfp-notebook/shared";

import { mergeTail, tailOfText } from "./logtails";
import { onKernelMessage, type KernelMessage, type LogTail, type Model } from "./model";

/** How long the kernel has to answer before the server extension is asked. */
export const KERNEL_PATIENCE_MS = 1500;

export class RunData {
  readonly tails = new Map<string, LogTail>();
  /** Per task, the latest state of a line being rewritten (a progress bar); not a log line. */
  progress = new Map<string, string>();
  private readonly outputs = new Map<string, TaskOutputsJSON>();
  private readonly asked = new Map<string, number>(); // request key -> time asked
  private readonly api = new KfpApi(pageServerOptions());
  private rootId: Promise<string | null> | null = null;
  readonly dispose: () => void;

  constructor(
    private readonly model: Model,
    private readonly changed: () => void,
  ) {
    this.dispose = onKernelMessage(model, (msg) => this.receive(msg));
  }

  /** The outputs of a task in its current state, once they arrived. */
  outputsOf(taskId: string, status: string): TaskOutputsJSON | undefined {
    const out = this.outputs.get(taskId);
    return out && out.status === status ? out : undefined;
  }

  /** Asks for the log tails these tasks lack (their count moved past what is held). */
  wantLogs(taskIds: string[], counts: Record<string, number>): void {
    const missing = taskIds.filter((t) => (counts[t] ?? 0) > (this.tails.get(t)?.count ?? 0));
    // one request per task at a time: live lines come by themselves, and a busy kernel queues
    const ask = missing.filter((t) => this.due(`log:${t}`, this.tails.has(t) ? 5000 : 2000));
    if (!ask.length) {
      return;
    }
    this.model.send({ action: "logs", task_ids: ask });
    window.setTimeout(() => {
      const still = ask.filter((t) => (counts[t] ?? 0) > (this.tails.get(t)?.count ?? 0));
      void this.logsFromServer(still, counts);
    }, KERNEL_PATIENCE_MS);
  }

  /** Asks for a task's outputs in this state, unless they are held or asked for. */
  wantOutputs(taskId: string, status: string): void {
    if (!taskId || this.outputsOf(taskId, status) || !this.due(`out:${taskId}:${status}`, 10_000)) {
      return;
    }
    this.model.send({ action: "outputs", task_id: taskId });
    window.setTimeout(() => {
      if (!this.outputsOf(taskId, status)) {
        void this.outputsFromServer(taskId);
      }
    }, KERNEL_PATIENCE_MS);
  }

  /** Whether to ask again for `key` (not asked in the last `ms`); notes the asking. */
  private due(key: string, ms: number): boolean {
    const last = this.asked.get(key);
    if (last !== undefined && Date.now() - last < ms) {
      return false;
    }
    this.asked.set(key, Date.now());
    return true;
  }

  private receive(msg: KernelMessage): void {
    if (msg?.kind === "logs") {
      for (const [taskId, tail] of Object.entries(msg.tails)) {
        this.tails.set(taskId, mergeTail(this.tails.get(taskId), tail));
      }
      this.changed();
    } else if (msg?.kind === "progress") {
      this.progress = new Map(Object.entries(msg.lines));
      this.changed();
    } else if (msg?.kind === "outputs" && msg.outputs) {
      this.outputs.set(msg.task_id, msg.outputs);
      this.changed();
    }
  }

  private run(): RunJSON {
    return this.model.get("run");
  }

  private root(): Promise<string | null> {
    if (!this.rootId) {
      const path = this.run().root;
      this.rootId = this.api
        .roots()
        .then(({ roots }) => roots.find((r) => r.path === path)?.id ?? null)
        .catch(() => null);
      void this.rootId.then((id) => {
        if (id === null) {
          this.rootId = null; // not registered yet, or no server extension: ask again later
        }
      });
    }
    return this.rootId;
  }

  private async logsFromServer(taskIds: string[], counts: Record<string, number>): Promise<void> {
    const root = taskIds.length ? await this.root() : null;
    if (root === null) {
      return;
    }
    const runId = this.run().run_id;
    for (const taskId of taskIds) {
      try {
        const log = await this.api.log(root, runId, taskId);
        const tail = tailOfText(log.text, counts[taskId] ?? 0);
        const held = this.tails.get(taskId);
        if (!held || held.count < tail.count) {
          this.tails.set(taskId, tail);
        }
      } catch {
        // not recorded (yet): the kernel's messages may still bring it
      }
    }
    this.changed();
  }

  private async outputsFromServer(taskId: string): Promise<void> {
    const root = await this.root();
    if (root === null) {
      return;
    }
    const runId = this.run().run_id;
    try {
      const detail = await this.api.run(root, runId);
      const task = detail.tasks.find((t) => t.task_id === taskId);
      if (!task || this.outputsOf(taskId, task.status)) {
        return;
      }
      const artifacts: ArtifactPreviewJSON[] = [];
      for (const art of task.artifacts) {
        const preview = await this.api.preview(root, runId, art).catch((error: unknown) => ({
          kind: "missing" as const,
          name: art.name,
          size: 0,
          truncated: false,
          summary: String(error),
        }));
        artifacts.push({ ...art, preview });
      }
      const { status, message, outputs } = task;
      const current = this.outputs.get(taskId);
      if (!current || current.status !== status) {
        this.outputs.set(taskId, { task_id: taskId, status, message, outputs, artifacts });
        this.changed();
      }
    } catch {
      // the server does not know this run: nothing to show
    }
  }
}
