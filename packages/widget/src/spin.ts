// The "Spin" action of a task in the run widget: the task run alone again with this run's
// inputs (and the notebook's edited %%component when its cell was run again), unrecorded. The
// kernel answers with SpinMessages (state, the log's newest lines, outputs once it ended),
// shown under the task's outputs.
import { boilerplateMask, h, type SpinMessage, type TaskJSON } from "@kfp-notebook/shared";

import type { Model } from "./model";
import { foldBoilerplate, type Line } from "./panels";

const ENDED = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED", "CACHED"]);

/** The latest spin message of each task, and the asking. */
export class Spins {
  private readonly latest = new Map<string, SpinMessage>();
  private readonly asked = new Map<string, number>(); // task id -> when asked

  constructor(private readonly model: Model) {}

  /** Keeps a spin message; true when it was one. */
  receive(msg: { kind?: string } | undefined): boolean {
    if (msg?.kind !== "spin") {
      return false;
    }
    const spin = msg as SpinMessage;
    this.latest.set(spin.task_id, spin);
    if (ENDED.has(spin.status)) {
      this.asked.delete(spin.task_id);
    }
    return true;
  }

  of(taskId: string): SpinMessage | undefined {
    return this.latest.get(taskId);
  }

  going(taskId: string): boolean {
    return this.asked.has(taskId);
  }

  /** Asked more than `ms` ago and nothing came back (no kernel, or a busy one). */
  unanswered(taskId: string, ms = 5000): boolean {
    const when = this.asked.get(taskId);
    return when !== undefined && !this.latest.has(taskId) && Date.now() - when > ms;
  }

  ask(taskId: string): void {
    this.asked.set(taskId, Date.now());
    this.latest.delete(taskId);
    this.model.send({ action: "spin", task_id: taskId });
  }
}

/** Whether `task` of a run in `runStatus` can be spun: a component's task, once the run ended. */
export function spinnable(task: TaskJSON, runStatus: string): boolean {
  return task.kind === "container" && runStatus !== "RUNNING";
}

/** The Spin button of `task` and what its last spin gave. */
export function spinBox(
  task: TaskJSON,
  runId: string,
  spins: Spins,
  rerender: () => void,
): HTMLElement {
  const going = spins.going(task.task_id);
  const spin = spins.of(task.task_id);
  const button = h(
    "button",
    {
      class: "kfpnb-spin",
      type: "button",
      title:
        "Run this task alone again with this run's inputs (your edited %%component if you " +
        "ran its cell again); nothing is recorded in the run's history",
    },
    going ? "Spinning…" : "Spin",
  );
  if (going) {
    button.setAttribute("disabled", "");
  }
  button.addEventListener("click", () => {
    spins.ask(task.task_id);
    rerender();
  });
  const box = h("div", { class: "kfpnb-spin-box" }, button);
  if (!spin) {
    if (spins.unanswered(task.task_id)) {
      const run = `%kfp spin ${runId} ${task.task_id}`;
      box.append(
        h(
          "span",
          { class: "kfpnb-meta" },
          ` no answer from the kernel (it answers when idle; with no kernel, run ${run})`,
        ),
      );
    } else if (going) {
      box.append(h("span", { class: "kfpnb-meta" }, " asked the kernel (it answers when idle)"));
    }
    return box;
  }
  box.append(
    h(
      "span",
      { class: "kfpnb-meta kfpnb-spin-status", "data-status": spin.status },
      ` spin: ${spin.status}`,
    ),
  );
  if (spin.message) {
    // the log follows: of the message (which quotes the log's last lines) its first line
    const text = spin.lines.length ? (spin.message.split("\n")[0] ?? "") : spin.message;
    const cls = spin.status === "FAILED" ? "kfpnb-message kfpnb-error" : "kfpnb-message";
    box.append(h("pre", { class: cls }, text));
  }
  if (spin.lines.length) {
    const shown =
      spin.count > spin.lines.length ? ` (last ${spin.lines.length} of ${spin.count})` : "";
    const log = h("pre", { class: "kfpnb-log-lines kfpnb-spin-log" });
    const kfp = boilerplateMask(spin.lines);
    const failed = spin.status === "FAILED";
    const lines: Line[] = spin.lines.map((text, i) => ({
      text,
      error: failed && i >= spin.lines.length - 20,
      kfp: kfp[i] ?? false,
    }));
    log.replaceChildren(
      ...foldBoilerplate(lines, (l) => {
        const div = h("div", { class: `kfpnb-line${l.error ? " kfpnb-error" : ""}` });
        div.textContent = l.text;
        return div;
      }),
    );
    box.append(h("div", { class: "kfpnb-meta" }, `its log${shown}`), log);
  }
  const outputs = Object.entries(spin.outputs?.outputs ?? {});
  for (const [name, value] of outputs) {
    box.append(h("div", { class: "kfpnb-spin-output" }, `${name} = ${JSON.stringify(value)}`));
  }
  for (const art of spin.outputs?.artifacts ?? []) {
    box.append(h("div", { class: "kfpnb-uri" }, `${art.name}: ${art.uri}`));
  }
  if (spin.folder && ENDED.has(spin.status)) {
    box.append(h("div", { class: "kfpnb-meta" }, `kept in ${spin.folder}`));
  }
  return box;
}
