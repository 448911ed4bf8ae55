import { describe, expect, it } from "vitest";

import { task } from "./fixtures.test-util";
import type { Model } from "./model";
import { spinBox, spinnable, Spins } from "./spin";

function fakeModel(sent: unknown[]): Model {
  return {
    get: () => undefined as never,
    set: () => undefined,
    save_changes: () => undefined,
    send: (content: unknown) => sent.push(content),
    on: () => undefined,
    off: () => undefined,
  };
}

describe("spin", () => {
  it("is offered for a component's task of an ended run only", () => {
    expect(spinnable(task("train", "container", "FAILED"), "FAILED")).toBe(true);
    expect(spinnable(task("train", "container", "RUNNING"), "RUNNING")).toBe(false);
    expect(spinnable(task("loop", "loop", "SUCCEEDED"), "SUCCEEDED")).toBe(false);
  });

  it("asks the kernel once, then shows the spin's state, log and outputs", () => {
    const sent: unknown[] = [];
    const spins = new Spins(fakeModel(sent));
    const train = task("train", "container", "FAILED");
    const idle = spinBox(train, "r1", spins, () => undefined);
    (idle.querySelector("button.kfpnb-spin") as HTMLButtonElement).click();
    expect(sent).toEqual([{ action: "spin", task_id: "train" }]);
    const asked = spinBox(train, "r1", spins, () => undefined);
    expect(asked.querySelector("button")?.hasAttribute("disabled")).toBe(true);

    const msg = {
      kind: "spin",
      task_id: "train",
      status: "SUCCEEDED",
      message: "",
      lines: [
        '[KFP Executor 2026-11-28 06:07:01,919 INFO]: Loading KFP component "train" from /x/t.py',
        "tick 1",
        "done",
      ],
      count: 300,
      outputs: { task_id: "train", status: "SUCCEEDED", outputs: { Output: 6 }, artifacts: [] },
      folder: "/tmp/kfp-notebook-spin-x",
    };
    expect(spins.receive({ kind: "logs" })).toBe(false);
    expect(spins.receive(msg)).toBe(true);
    const shown = spinBox(train, "r1", spins, () => undefined);
    expect(shown.querySelector("button")?.hasAttribute("disabled")).toBe(false);
    expect(shown.querySelector(".kfpnb-spin-status")?.textContent).toBe(" spin: SUCCEEDED");
    const log = shown.querySelector(".kfpnb-spin-log") as HTMLElement;
    const own = [...log.querySelectorAll(":scope > .kfpnb-line")].map((l) => l.textContent);
    expect(own).toEqual(["tick 1", "done"]);
    expect(log.querySelectorAll("details.kfpnb-fold")).toHaveLength(1); // KFP's lines folded
    expect(shown.textContent).toContain("last 3 of 300");
    expect(shown.querySelector(".kfpnb-spin-output")?.textContent).toBe("Output = 6");
    expect(shown.textContent).toContain("kept in /tmp/kfp-notebook-spin-x");
  });
});
