import { describe, expect, it } from "vitest";

import { task } from "./fixtures.test-util";
import { LogPanel, shownOf } from "./panels";

const LOG = [
  '[KFP Executor 2026-11-28 06:07:01,919 INFO]: Loading KFP component "train" from /x/train.py',
  "[KFP Executor 2026-11-28 06:07:01,922 INFO]: Got executor_input:",
  "{",
  '    "inputs": {}',
  "}",
  "tick 1",
  "boom",
];

describe("LogPanel", () => {
  it("folds KFP's executor lines and shows the task's own", () => {
    const panel = new LogPanel(() => undefined);
    const tasks = [task("train", "container", "FAILED")];
    panel.update(tasks, { train: LOG }, { train: LOG.length }, "train");
    const folds = panel.el.querySelectorAll("details.kfpnb-fold");
    expect(folds).toHaveLength(1);
    expect(folds[0]?.querySelector("summary")?.textContent).toBe("KFP executor · 5 lines");
    const shown = [...panel.el.querySelectorAll(".kfpnb-log-lines > .kfpnb-line")];
    expect(shown.map((l) => l.textContent)).toEqual(["tick 1", "boom"]);
    expect(shown.every((l) => l.classList.contains("kfpnb-error"))).toBe(true); // the tail of a failure
  });

  it("prefixes every task's lines with its name when none is selected", () => {
    const panel = new LogPanel(() => undefined);
    const tasks = [task("a", "container", "SUCCEEDED"), task("loop/b", "container", "RUNNING")];
    panel.update(tasks, { a: ["one"], "loop/b": LOG.slice(0, 2) }, { a: 1, "loop/b": 2 }, "");
    const shown = [...panel.el.querySelectorAll(".kfpnb-log-lines > .kfpnb-line")];
    expect(shown.map((l) => l.textContent)).toEqual([`${"a".padEnd(12)} | one`]);
    expect(panel.el.querySelector(".kfpnb-meta")?.textContent).toBe("all tasks · 3 lines");
  });

  it("shows a progress bar's latest state after the log, replaced as it moves", () => {
    const panel = new LogPanel(() => undefined);
    const tasks = [task("fit", "container", "RUNNING")];
    panel.update(tasks, { fit: ["epoch 1"] }, { fit: 1 }, "fit", new Map([["fit", " 40%|####"]]));
    const bar = () => [...panel.el.querySelectorAll(".kfpnb-line.kfpnb-bar")];
    expect(bar().map((l) => l.textContent)).toEqual([" 40%|####"]);
    panel.update(
      tasks,
      { fit: ["epoch 1"] },
      { fit: 1 },
      "fit",
      new Map([["fit", " 90%|#########"]]),
    );
    expect(bar().map((l) => l.textContent)).toEqual([" 90%|#########"]);
    expect(panel.el.querySelectorAll(".kfpnb-line")).toHaveLength(2);
    // the bar's line logged: no state is left to show
    panel.update(tasks, { fit: ["epoch 1", "100%|##########"] }, { fit: 2 }, "fit", new Map());
    expect(bar()).toHaveLength(0);
  });
});

describe("shownOf", () => {
  it("counts lines in words, with their plural", () => {
    expect(shownOf(1, 1)).toBe("1 line");
    expect(shownOf(3200, 3200)).toBe("3,200 lines");
    expect(shownOf(1000, 3200)).toBe("1,000 of 3,200 lines shown");
    expect(shownOf(0, 1)).toBe("0 of 1 line shown");
  });
});
