// Shapes of the synced traits (see kfp_notebook/_run_view.py) and of the anywidget model.

export type Status =
  | "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "SKIPPED" | "CACHED" | "CANCELLED"
  | "INTERRUPTED";

export interface Task {
  id: string;
  name: string;
  parent: string | null;
  kind: string;
  component: string;
  deps: string[];
  status: Status;
  started: number | null;
  finished: number | null;
  attempts: number;
  message: string;
  params: Record<string, unknown>;
}

export interface RunInfo {
  id: string;
  pipeline: string;
  status: Status;
  created?: number;
  finished?: number | null;
  message?: string;
  done?: number;
  total?: number;
  root?: string;
}

export interface Preview {
  kind: string;
  name: string;
  size: number;
  truncated: boolean;
  [field: string]: unknown;
}

export interface ArtifactOutput {
  name: string;
  uri: string;
  type: string;
  preview: Preview;
}

export interface SelectedOutputs {
  task?: string;
  status?: Status;
  message?: string;
  params?: Record<string, unknown>;
  artifacts?: ArtifactOutput[];
}

export interface State {
  run: RunInfo;
  tasks: Task[];
  logs: Record<string, string[]>;
  log_counts: Record<string, number>;
  selected: string;
  selected_outputs: SelectedOutputs;
}

export interface Model {
  get<K extends keyof State>(name: K): State[K];
  set<K extends keyof State>(name: K, value: State[K]): void;
  save_changes(): void;
  send(content: unknown): void;
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

export const LEAF_KINDS = new Set(["container", "importer", "unsupported"]);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

export function duration(task: { started: number | null; finished: number | null }, now: number): string {
  if (task.started == null) return "";
  const end = task.finished ?? now;
  const s = Math.max(0, end - task.started);
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}
