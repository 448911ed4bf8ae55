/**
 * kfp-notebook's JupyterLab extension: a left-panel browser of pipeline roots (runs, tasks,
 * artifacts) with previews and logs in main-area tabs, re-run from a task, spin one task alone
 * as a new run, and delete.
 */
import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from "@jupyterlab/application";
import { Clipboard, Dialog, MainAreaWidget, Notification, showDialog } from "@jupyterlab/apputils";
import { LabIcon } from "@jupyterlab/ui-components";
import { SplitPanel, type Widget } from "@lumino/widgets";

import type { ArtifactJSON, RootJSON, RunJSON, TaskJSON } from "@kfp-notebook/shared";

import { api } from "./api";
import { CompareView } from "./compare-view";
import { LogView } from "./logs";
import { PreviewView } from "./preview";
import { RunsSidebar } from "./sidebar";

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16">
<g class="jp-icon3" fill="#616161"><circle cx="5" cy="6" r="2.5"/><circle cx="5" cy="18" r="2.5"/>
<circle cx="19" cy="12" r="2.5"/><path d="M7 6.5h4.5l4.2 4.5h.8v2h-.8l-4.2 4.5H7v-1.6h3.8l4-4.4-4-4.4H7z"/></g></svg>`;

export const pipelineIcon = new LabIcon({ name: "kfp-notebook:pipeline", svgstr: ICON_SVG });

/**
 * Open a view (a preview, a log, a comparison) in a tab of the main area. Notebook 7's main area
 * holds its one document and drops anything else added there: the tab goes to its bottom panel
 * ("down") instead, so every sidebar action opens something in both front ends.
 */
function openTab(app: JupyterFrontEnd, content: Widget): void {
  const id = `${content.id}-tab`;
  const shown = [...app.shell.widgets("main"), ...app.shell.widgets("down")];
  const existing = shown.find((w) => w.id === id);
  if (existing) {
    content.dispose();
    app.shell.activateById(existing.id);
    return;
  }
  const tab = new MainAreaWidget({ content });
  tab.id = id;
  tab.title.icon = pipelineIcon;
  app.shell.add(tab, "main");
  if (!Array.from(app.shell.widgets("main")).includes(tab)) {
    app.shell.add(tab, "down");
    app.shell.activateById(tab.id);
    giveRoom(tab);
    return;
  }
  app.shell.activateById(tab.id);
}

/** The bottom panel opens a few pixels high: split the page with the notebook, 3 to 2. */
function giveRoom(tab: Widget): void {
  for (let parent = tab.parent; parent; parent = parent.parent) {
    if (parent instanceof SplitPanel && parent.orientation === "vertical") {
      const [top = 0, bottom = 0] = parent.relativeSizes();
      if (bottom < 0.3 * (top + bottom)) {
        parent.setRelativeSizes([3, 2]);
      }
      return;
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: "kfp-notebook-labextension:sidebar",
  description: "Browse kfp-notebook pipeline roots: runs, tasks and artifacts.",
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null) => {
    const openInLab = (path: string, isDir = false) =>
      void app.commands.execute(isDir ? "filebrowser:go-to-path" : "docmanager:open", { path });
    const sidebar = new RunsSidebar({
      preview: (root: RootJSON, runId: string, art: ArtifactJSON) =>
        openTab(
          app,
          new PreviewView({ root: root.id, rootPath: root.path, runId, artifact: art }, (path) =>
            openInLab(path),
          ),
        ),
      openInLab,
      copyPath: (text: string) => {
        Clipboard.copyToSystem(text);
        Notification.info(`Copied ${text}`, { autoClose: 2000 });
      },
      logs: (root: RootJSON, runId: string, task?: string) =>
        openTab(app, new LogView(root.id, runId, task)),
      rerun: async (root: RootJSON, run: RunJSON, task: TaskJSON) => {
        const answer = await showDialog({
          title: "Re-run from this task?",
          body: `Run ${run.run_id} again from ${task.task_id}: tasks before it keep their outputs.`,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: "Re-run" })],
        });
        if (answer.button.accept) {
          try {
            await api.rerun(root.id, run.run_id, task.task_id);
          } catch (error) {
            Notification.error(`Re-run failed: ${error}`);
          }
        }
      },
      spin: async (root: RootJSON, run: RunJSON, task: TaskJSON) => {
        const answer = await showDialog({
          title: "Spin this task?",
          body:
            `Run ${task.task_id} again, alone, with the inputs ${run.run_id} gave it, ` +
            `recorded as a new run (${run.run_id} is not changed).`,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: "Spin" })],
        });
        if (!answer.button.accept) {
          return null;
        }
        try {
          const started = await api.spin(root.id, run.run_id, task.task_id);
          Notification.info(`Spinning ${started.task} as run ${started.run_id}`, {
            autoClose: 3000,
          });
          return started.run_id;
        } catch (error) {
          Notification.error(`Spin failed: ${error}`);
          return null;
        }
      },
      compare: (root: RootJSON, runs: string[]) =>
        openTab(app, new CompareView({ root: root.id, runs })),
      trend: (root: RootJSON, experiment: string) =>
        openTab(app, new CompareView({ root: root.id, experiment })),
      deleteRun: async (root: RootJSON, run: RunJSON) => {
        const answer = await showDialog({
          title: "Delete this run?",
          body: `${run.run_id}: its folder, logs and artifacts are removed.`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: "Delete" })],
        });
        if (!answer.button.accept) {
          return false;
        }
        try {
          await api.deleteRun(root.id, run.run_id);
          return true;
        } catch (error) {
          Notification.error(`Delete failed: ${error}`);
          return false;
        }
      },
    });
    sidebar.title.icon = pipelineIcon;
    app.shell.add(sidebar, "left", { rank: 650 });
    if (restorer) {
      restorer.add(sidebar, sidebar.id);
    }
  },
};

export default plugin;
