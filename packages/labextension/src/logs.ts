/** A main-area view of a run's (or one task's) log: the last megabyte, re-read while it grows. */
import { Widget } from "@lumino/widgets";

import { api } from "./api";
import { el } from "./format";
export class LogView extends Widget {
  private pre = el("pre", "kfpsb-log");
  private size = -1;
  private timer = 0;

  constructor(
    private root: string,
    private runId: string,
    private task?: string,
  ) {
    super();
    this.addClass("kfpsb-logview");
    this.id = `kfpsb-log-${root}-${runId}-${task ?? ""}`.replace(/[^A-Za-z0-9_-]/g, "-");
    this.title.label = `log: ${task ? `${runId} / ${task}` : runId}`;
    this.title.closable = true;
    this.node.append(this.pre);
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      const tail = await api.log(this.root, this.runId, this.task);
      if (tail.size !== this.size) {
        const atBottom = this.node.scrollTop + this.node.clientHeight >= this.node.scrollHeight - 4;
        this.pre.textContent = (tail.truncated ? "[…earlier lines in the file]\n" : "") + tail.text;
        if (atBottom) {
          this.node.scrollTop = this.node.scrollHeight;
        }
        this.size = tail.size;
      }
    } catch (error) {
      this.pre.textContent = `${this.pre.textContent ?? ""}\n[cannot read the log: ${error}]`;
      return;
    }
    this.timer = window.setTimeout(() => void this.poll(), 1500);
  }

  override dispose(): void {
    window.clearTimeout(this.timer);
    super.dispose();
  }
}
