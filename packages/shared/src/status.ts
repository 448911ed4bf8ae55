// Colours and glyphs of task and run states, the same in the widget's graph, the sidebar and
// the terminal (generated from kfp_notebook/_views/palette.py).
import type { RunState, TaskKind, TaskState } from "./model.generated";
import { LEAF_KINDS, STATUS_STYLES } from "./model.generated";

export type Status = TaskState | RunState;

export interface StatusColour {
  /** Background of a task box. */
  fill: string;
  /** Border of a task box, badge background and glyph colour. */
  stroke: string;
}

export const STATUS_COLOURS: Readonly<Record<Status, StatusColour>> = STATUS_STYLES;

/** The colours of a state; grey for a state this front end does not know. */
export function statusColour(status: string): StatusColour {
  return STATUS_COLOURS[status as Status] ?? STATUS_COLOURS.PENDING;
}

export function statusGlyph(status: string): string {
  return STATUS_STYLES[status as Status]?.glyph ?? "?";
}

/** Tasks that run something (not groups such as loops, conditions or nested pipelines). */
export function isLeafKind(kind: TaskKind | string): boolean {
  return (LEAF_KINDS as readonly string[]).includes(kind);
}
