import { describe, expect, it } from "vitest";

import { boilerplateMask, userLines } from "./logfold";

const LOG = [
  "[KFP Executor 2026-11-28 06:07:01,900 INFO]: Looking for component `train` in --component_module_path `/x/train.py`",
  '[KFP Executor 2026-11-28 06:07:01,919 INFO]: Loading KFP component "train" from /x/train.py (directory "/x" and module name "train")',
  "[KFP Executor 2026-11-28 06:07:01,922 INFO]: Got executor_input:",
  "{",
  '    "inputs": {',
  '        "parameterValues": {"n": 3}',
  "    }",
  "}",
  "accuracy=0.910",
  "}",
  "[KFP Executor 2026-11-28 06:07:01,995 INFO]: Wrote executor output file to /x/executor_output.json.",
  "done [KFP Executor is quoted here]",
];

describe("log folding", () => {
  it("keeps the task's own lines only", () => {
    expect(userLines(LOG)).toEqual(["accuracy=0.910", "}", "done [KFP Executor is quoted here]"]);
  });

  it("marks the executor's lines and its input block", () => {
    expect(boilerplateMask(LOG)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
  });

  it("keeps everything in a log without boilerplate", () => {
    const lines = ["tick 1", "{", "}"];
    expect(userLines(lines)).toEqual(lines);
  });

  it("folds the frames of the task process and of KFP's executor", () => {
    const trace = [
      "Traceback (most recent call last):",
      '  File "/k/kfp_notebook/executors/subprocess/scripts/_kfpnb_task_zygote.py", line 120, in _child',
      "    _run_executor()",
      '  File "/env/lib/python3.11/site-packages/kfp/dsl/executor.py", line 453, in execute',
      "    result = self.func(**func_kwargs)",
      "             ^^^^^^^^^^^^^^^^^^^^^^^^",
      '  File "/root/train.py", line 3, in train',
      "    1 / 0",
      "ZeroDivisionError: division by zero",
    ];
    expect(userLines(trace)).toEqual([trace[0], ...trace.slice(6)]);
  });
});
