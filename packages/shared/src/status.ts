// Colours and glyphs of task and run states, the same in the widget's graph and the sidebar.
import type { RunState, TaskKind, TaskState } from "./model.generated";
import { LEAF_KINDS } from "./model.generated";

export type Status = TaskState | RunState;

export interface StatusColour {
  /** Background of a task box. */
  fill: string;
  /** Border of a task box, badge background and glyph colour. */
  stroke: string;
}

export const STATUS_COLOURS: Readonly<Record<Status, StatusColour>> = {
  PENDING: { fill: "#e5e7eb", stroke: "#9ca3af" },
  RUNNING: { fill: "#bfdbfe", stroke: "#3b82f6" },
  SUCCEEDED: { fill: "#bbf7d0", stroke: "#22a06b" },
  FAILED: { fill: "#fecaca", stroke: "#e5484d" },
  SKIPPED: { fill: "#f3f4f6", stroke: "#9ca3af" },
  CACHED: { fill: "#ddd6fe", stroke: "#7c5cd6" },
  CANCELLED: { fill: "#fde68a", stroke: "#f5a524" },
  INTERRUPTED: { fill: "#fecaca", stroke: "#e5484d" },
};

const GLYPHS: Readonly<Record<Status, string>> = {
  PENDING: "○",
  RUNNING: "◐",
  SUCCEEDED: "✓",
  CACHED: "✓",
  FAILED: "✗",
  CANCELLED: "⊘",
  INTERRUPTED: "!",
  SKIPPED: "↷",
};

/** The colours of a state; grey for a state this front end does not know. */
export function statusColour(status: string): StatusColour {
  return STATUS_COLOURS[status as Status] ?? STATUS_COLOURS.PENDING;
}

export function statusGlyph(status: string): string {
  return GLYPHS[status as Status] ?? "?";
}

/** Tasks that run something (not groups such as loops, conditions or nested pipelines). */
export function isLeafKind(kind: TaskKind | string): boolean {
  return (LEAF_KINDS as readonly string[]).includes(kind);
}
