// KFP's executor boilerplate in task logs (where it looks for the component, the executor input
// as JSON, where it wrote the output) and the traceback frames of the task process's entry and
// KFP's executor, told apart from the task's own lines. The patterns are
// generated from kfp_notebook/_model/logfold.py; this is the same folder as its LogFolder.
import {
  LOG_BLOCK_END,
  LOG_BLOCK_START,
  LOG_BOILERPLATE,
  LOG_FRAME,
  LOG_INFRA_FILE,
} from "./model.generated";

export class LogFolder {
  private inBlock = false;
  private frameIndent: number | null = null; // folding the source lines of this frame

  /** Feed one task's lines in order: false for KFP's boilerplate. */
  keep(line: string): boolean {
    if (this.frameIndent !== null) {
      const indent = line.length - line.replace(/^ +/, "").length;
      if (line.trim() !== "" && indent > this.frameIndent) {
        return false;
      }
      this.frameIndent = null;
    }
    const frame = LOG_FRAME.exec(line);
    if (frame !== null && LOG_INFRA_FILE.test(frame[2])) {
      this.frameIndent = frame[1].length;
      return false;
    }
    if (this.inBlock) {
      if (line.trimEnd() === LOG_BLOCK_END) {
        this.inBlock = false;
      }
      return false;
    }
    if (LOG_BOILERPLATE.test(line)) {
      this.inBlock = line.trimEnd().endsWith(LOG_BLOCK_START);
      return false;
    }
    return true;
  }
}

/** For each line of one task's log: true when it is KFP's boilerplate. */
export function boilerplateMask(lines: readonly string[]): boolean[] {
  const folder = new LogFolder();
  return lines.map((line) => !folder.keep(line));
}

/** The lines of one task's log that are the task's own. */
export function userLines(lines: readonly string[]): string[] {
  const folder = new LogFolder();
  return lines.filter((line) => folder.keep(line));
}
