/**
 * The main-area view of one artifact preview, drawn from the server's PreviewJSON by the same
 * renderers as the notebook widget (@kfp-notebook/shared): HTML only in an iframe sandboxed with
 * `allow-scripts` (never `allow-same-origin`), Markdown without raw HTML and sanitized.
 */
import { Clipboard } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";
import { renderPreview, type ArtifactJSON } from "@kfp-notebook/shared";

import { api } from "./api";
import { actionButton, el } from "./format";

export interface IPreviewTarget {
  root: string;
  rootPath: string;
  runId: string;
  artifact: ArtifactJSON;
}

export class PreviewView extends Widget {
  constructor(
    private target: IPreviewTarget,
    private openInLab: (path: string) => void,
  ) {
    super();
    this.addClass("kfpsb-preview");
    const art = target.artifact;
    this.id = `kfpsb-preview-${target.root}-${target.runId}-${art.task_id}-${art.name}`.replace(
      /[^A-Za-z0-9_-]/g,
      "-",
    );
    this.title.label = art.name;
    this.title.caption = art.uri;
    this.title.closable = true;
    void this.load();
  }

  private async load(): Promise<void> {
    const bar = el("div", "kfpsb-preview-bar");
    const art = this.target.artifact;
    const full = art.uri;
    bar.append(el("span", "kfpsb-preview-path", full));
    bar.append(
      actionButton("Copy path", "Copy the absolute path", () => Clipboard.copyToSystem(full)),
    );
    const download = el("a", "kfpsb-action", "Download");
    download.href = api.rawUrl(this.target.root, this.target.runId, art, true);
    download.setAttribute("download", art.name);
    bar.append(download);
    if (art.server_path && !art.is_dir) {
      const serverPath = art.server_path;
      bar.append(
        actionButton("Open in JupyterLab", "Open with JupyterLab's own viewer", () =>
          this.openInLab(serverPath),
        ),
      );
    }
    this.node.append(bar);
    const body = el("div", "kfpsb-preview-body");
    this.node.append(body);
    try {
      const preview = await api.preview(this.target.root, this.target.runId, art);
      body.dataset.kind = preview.kind;
      body.append(renderPreview(preview));
    } catch (error) {
      body.append(el("div", "kfpsb-error", `Cannot preview: ${error}`));
    }
  }
}
