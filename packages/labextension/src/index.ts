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
import { type Widget } from "@lumino/widgets";

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

function openTab(app: JupyterFrontEnd, content: Widget): void {
  const existing = Array.from(app.shell.widgets("main")).find((w) => w.id === `${content.id}-tab`);
  if (existing) {
    content.dispose();
    app.shell.activateById(existing.id);
    return;
  }
  const tab = new MainAreaWidget({ content });
  tab.id = `${content.id}-tab`;
  tab.title.icon = pipelineIcon;
  app.shell.add(tab, "main");
  app.shell.activateById(tab.id);
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
