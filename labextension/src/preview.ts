/**
 * The main-area view of one artifact preview, drawn from the server's preview JSON (the same
 * `kfp_notebook._preview` logic as the notebook widget). HTML goes only into an iframe sandboxed
 * with `allow-scripts` (never `allow-same-origin`); Markdown goes through JupyterLab's renderer
 * as untrusted content, so its HTML is sanitized.
 */
import { Clipboard } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { api, IArtifact, rawUrl } from './api';
import { actionButton, el, formatBytes } from './format';

export interface IPreviewTarget {
  root: string;
  rootPath: string;
  runId: string;
  artifact: IArtifact;
}

export class PreviewView extends Widget {
  constructor(
    private target: IPreviewTarget,
    private rendermime: IRenderMimeRegistry,
    private openInLab: (path: string) => void
  ) {
    super();
    this.addClass('kfpsb-preview');
    const art = target.artifact;
    this.id = `kfpsb-preview-${target.root}-${target.runId}-${art.task}-${art.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
    this.title.label = art.name;
    this.title.caption = art.uri;
    this.title.closable = true;
    void this.load();
  }

  private async load(): Promise<void> {
    const bar = el('div', 'kfpsb-preview-bar');
    const art = this.target.artifact;
    const full = art.uri;
    bar.append(el('span', 'kfpsb-preview-path', full));
    bar.append(actionButton('Copy path', 'Copy the absolute path', () =>
      Clipboard.copyToSystem(full)
    ));
    const download = el('a', 'kfpsb-action', 'Download');
    download.href = rawUrl(this.target.root, this.target.runId, art, true);
    download.setAttribute('download', art.name);
    bar.append(download);
    if (art.server_path && !art.is_dir) {
      const serverPath = art.server_path;
      bar.append(actionButton('Open in JupyterLab', 'Open with JupyterLab\'s own viewer', () =>
        this.openInLab(serverPath)
      ));
    }
    this.node.append(bar);
    const body = el('div', 'kfpsb-preview-body');
    this.node.append(body);
    try {
      const preview = await api.preview(this.target.root, this.target.runId, art);
      body.dataset.kind = preview.kind;
      await this.render(body, preview);
    } catch (error) {
      body.append(el('div', 'kfpsb-error', `Cannot preview: ${error}`));
    }
  }

  private async render(body: HTMLElement, p: Record<string, any>): Promise<void> {
    const note = (text: string) => body.append(el('div', 'kfpsb-note', text));
    switch (p.kind) {
      case 'table': {
        const shape = p.shape[0] === null ? `? × ${p.shape[1]}` : `${p.shape[0]} × ${p.shape[1]}`;
        note(`${p.format} table, ${shape}${p.truncated ? `, first ${p.rows.length} rows` : ''}`);
        body.append(table(p.columns, p.rows));
        break;
      }
      case 'image': {
        const img = el('img', 'kfpsb-image');
        img.src = `data:${p.mime};base64,${p.data}`;
        img.alt = p.name;
        body.append(img);
        break;
      }
      case 'markdown': {
        const renderer = this.rendermime.createRenderer('text/markdown');
        await renderer.renderModel(
          new MimeModel({ data: { 'text/markdown': p.text }, trusted: false })
        );
        renderer.addClass('kfpsb-markdown');
        body.append(renderer.node);
        break;
      }
      case 'html': {
        const frame = el('iframe', 'kfpsb-html');
        frame.setAttribute('sandbox', 'allow-scripts');
        frame.setAttribute('referrerpolicy', 'no-referrer');
        frame.srcdoc = p.html;
        body.append(frame);
        break;
      }
      case 'metrics':
        body.append(table(['metric', 'value'], p.items.map((i: any) => [i.name, i.value])));
        break;
      case 'classification':
        renderClassification(body, p);
        break;
      case 'files':
        note(`${p.entries.length} file(s), ${formatBytes(p.total_size)}${p.truncated ? ' (listing capped)' : ''}`);
        if (p.hint) {
          note(p.hint);
        }
        body.append(table(['path', 'size'], p.entries.map((e: any) => [e.path, formatBytes(e.size)])));
        break;
      case 'text':
        body.append(el('pre', 'kfpsb-text', p.text));
        if (p.truncated) {
          note(`first ${formatBytes(p.text.length)} of ${formatBytes(p.size)}`);
        }
        break;
      case 'too_large':
        note(`Too large to preview: ${p.summary}. Use Download.`);
        break;
      default:
        note(p.message || `Nothing to preview (${p.kind}).`);
    }
  }
}

function table(columns: string[], rows: unknown[][]): HTMLElement {
  const t = el('table', 'kfpsb-table');
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    head.append(el('th', '', String(c)));
  }
  const tbody = t.createTBody();
  for (const row of rows) {
    const tr = tbody.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      td.textContent = cell === null ? '' : typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
    }
  }
  return t;
}

function renderClassification(body: HTMLElement, p: Record<string, any>): void {
  const cm = p.confusion_matrix;
  if (cm.labels.length) {
    body.append(el('h3', '', 'Confusion matrix (rows: actual, columns: predicted)'));
    body.append(table(['', ...cm.labels], cm.matrix.map((r: unknown[], i: number) => [cm.labels[i], ...r])));
  }
  if (p.roc.length) {
    body.append(el('h3', '', 'ROC curve'));
    body.append(rocChart(p.roc));
  }
  if (p.items?.length) {
    body.append(table(['metric', 'value'], p.items.map((i: any) => [i.name, i.value])));
  }
}

function rocChart(points: { fpr: number; tpr: number }[]): SVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const size = 240;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `-30 -10 ${size + 40} ${size + 40}`);
  svg.setAttribute('class', 'kfpsb-roc');
  const frame = document.createElementNS(ns, 'rect');
  Object.entries({ x: '0', y: '0', width: String(size), height: String(size), fill: 'none' })
    .forEach(([k, v]) => frame.setAttribute(k, v));
  frame.setAttribute('class', 'kfpsb-roc-frame');
  const line = document.createElementNS(ns, 'polyline');
  const sorted = [...points].sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
  line.setAttribute('points', sorted.map(q => `${q.fpr * size},${(1 - q.tpr) * size}`).join(' '));
  line.setAttribute('class', 'kfpsb-roc-line');
  svg.append(frame, line);
  return svg;
}
