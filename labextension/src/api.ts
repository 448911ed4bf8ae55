/**
 * Client of the kfp-notebook server extension (`/kfp-notebook/api/...`): typed calls that go
 * through JupyterLab's ServerConnection, so they carry the user's token and XSRF cookie.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IRoot {
  id: string;
  path: string;
  name: string;
  exists: boolean;
  runs: number;
  token: string | null;
}

export interface IRun {
  run_id: string;
  pipeline_name: string;
  status: string;
  created: number;
  finished: number | null;
  duration: number | null;
  message: string;
  task_counts: Record<string, number>;
}

export interface IArtifact {
  task: string;
  name: string;
  type: string;
  uri: string;
  path: string | null;
  server_path: string | null;
  metadata: Record<string, unknown>;
  is_dir: boolean;
}

export interface ITask {
  task_id: string;
  name: string;
  parent_id: string | null;
  kind: string;
  status: string;
  started: number | null;
  finished: number | null;
  duration: number | null;
  attempts: number;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  message: string;
  artifacts: IArtifact[];
}

export interface IRunsPage {
  runs: IRun[];
  next_cursor: string | null;
  total: number;
  token: string;
}

export interface IRunDetail {
  run: IRun;
  tasks: ITask[];
  token: string;
}

export interface ILogTail {
  text: string;
  size: number;
  truncated: boolean;
}

export interface IRunFilter {
  status?: string;
  q?: string;
}

const settings = ServerConnection.makeSettings();

/** The URL of an API path, with query parameters; empty values are left out. */
export function apiUrl(parts: string[], query: Record<string, string | undefined> = {}): string {
  const base = URLExt.join(
    settings.baseUrl,
    'kfp-notebook',
    'api',
    ...parts.map(encodeURIComponent)
  );
  const params = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return params.length ? `${base}?${params.join('&')}` : base;
}

/** The URL of an artifact's raw bytes (served with nosniff; HTML only under a sandbox CSP). */
export function rawUrl(root: string, runId: string, art: IArtifact, download = false): string {
  return apiUrl(['roots', root, 'runs', runId, 'artifacts', 'raw'], {
    task: art.task,
    name: art.name,
    download: download ? '1' : undefined
  });
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await ServerConnection.makeRequest(url, init, settings);
  if (!response.ok) {
    let message = response.statusText;
    try {
      const body = await response.json();
      message = body.message || message;
    } catch {
      // not JSON: keep the status text
    }
    throw new Error(`${response.status} ${message}`);
  }
  if (response.status === 204) {
    return undefined as unknown as T;
  }
  return (await response.json()) as T;
}

export const api = {
  roots: () => call<{ roots: IRoot[] }>(apiUrl(['roots'])),
  runs: (root: string, limit: number, cursor?: string | null, filter: IRunFilter = {}) =>
    call<IRunsPage>(
      apiUrl(['roots', root, 'runs'], {
        limit: String(limit),
        cursor: cursor ?? undefined,
        status: filter.status,
        q: filter.q
      })
    ),
  run: (root: string, runId: string) => call<IRunDetail>(apiUrl(['roots', root, 'runs', runId])),
  cancelRun: (root: string, runId: string) =>
    call<{ run_id: string }>(apiUrl(['roots', root, 'runs', runId, 'cancel']), {
      method: 'POST',
      body: '{}'
    }),
  deleteRun: (root: string, runId: string) =>
    call<void>(apiUrl(['roots', root, 'runs', runId]), { method: 'DELETE' }),
  rerun: (root: string, runId: string, fromTask: string) =>
    call<{ run_id: string }>(apiUrl(['roots', root, 'runs', runId, 'rerun']), {
      method: 'POST',
      body: JSON.stringify({ from_task: fromTask })
    }),
  log: (root: string, runId: string, task?: string) =>
    call<ILogTail>(
      apiUrl(['roots', root, 'runs', runId, 'log'], { task, max_bytes: String(1_000_000) })
    ),
  preview: (root: string, runId: string, art: IArtifact) =>
    call<Record<string, any>>(
      apiUrl(['roots', root, 'runs', runId, 'artifacts', 'preview'], { task: art.task, name: art.name })
    )
};
