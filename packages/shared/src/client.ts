// Client of the kfp-notebook server extension (`<base>/kfp-notebook/api/...`). Plain fetch by
// default, with the page's token and XSRF cookie; JupyterLab passes its own `request`
// (ServerConnection) instead, so nothing here imports @jupyterlab.
import type {
  ArtifactJSON,
  CancelJSON,
  ComparisonJSON,
  ErrorJSON,
  ExperimentsJSON,
  LogTailJSON,
  PreviewJSON,
  RerunJSON,
  RootsJSON,
  RunDetailJSON,
  RunsPageJSON,
  SpinJSON,
  TrendJSON,
} from "./model.generated";

export interface RunFilter {
  status?: string;
  q?: string;
  experiment?: string;
}

/** Which artifact: the task that made it and its output name. */
export type ArtifactRef = Pick<ArtifactJSON, "task_id" | "name">;

export type Request = (url: string, init: RequestInit) => Promise<Response>;

export interface ServerOptions {
  /** The Jupyter server's base URL, e.g. `/` or `/user/ada/`. */
  baseUrl: string;
  /** Sent as `Authorization: token ...` by the default request. */
  token?: string;
  /** The XSRF token for the default request; by default read from the `_xsrf` cookie. */
  xsrfToken?: () => string | undefined;
  /** Sends a request instead of `fetch` (it then adds any credentials itself). */
  request?: Request;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${status} ${message}`);
    this.name = "ApiError";
  }
}

/** The `_xsrf` cookie of the page, when there is one. */
export function xsrfCookie(cookie: string = document.cookie): string | undefined {
  const entry = cookie.split("; ").find((c) => c.startsWith("_xsrf="));
  return entry ? decodeURIComponent(entry.slice("_xsrf=".length)) : undefined;
}

/** Base URL and token from the page's `jupyter-config-data` (JupyterLab, Notebook 7). */
export function pageServerOptions(doc: Document = document): ServerOptions {
  const el = doc.getElementById("jupyter-config-data");
  let config: { baseUrl?: string; token?: string } = {};
  try {
    config = el?.textContent ? (JSON.parse(el.textContent) as typeof config) : {};
  } catch {
    config = {};
  }
  return { baseUrl: config.baseUrl ?? "/", token: config.token || undefined };
}

function fetchRequest(options: ServerOptions): Request {
  return (url, init) => {
    const headers = new Headers(init.headers);
    if (init.body !== undefined && !headers.has("Content-Type")) {
      headers.set("Content-Type", "application/json");
    }
    const xsrf = (options.xsrfToken ?? xsrfCookie)();
    if (xsrf) {
      headers.set("X-XSRFToken", xsrf);
    }
    if (options.token) {
      headers.set("Authorization", `token ${options.token}`);
    }
    return fetch(url, { credentials: "same-origin", ...init, headers });
  };
}

export class KfpApi {
  private readonly request: Request;

  constructor(private readonly options: ServerOptions) {
    this.request = options.request ?? fetchRequest(options);
  }

  /** The URL of an API path with query parameters; empty values are left out. */
  url(parts: string[], query: Record<string, string | undefined> = {}): string {
    const base = this.options.baseUrl.replace(/\/*$/, "/");
    const path = ["kfp-notebook", "api", ...parts.map(encodeURIComponent)].join("/");
    const params = Object.entries(query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    return `${base}${path}${params.length ? `?${params.join("&")}` : ""}`;
  }

  private async call<T>(url: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(url, init);
    if (!response.ok) {
      let message = response.statusText;
      try {
        const body = (await response.json()) as Partial<ErrorJSON>;
        message = body.message || message;
      } catch {
        // not JSON: keep the status text
      }
      throw new ApiError(response.status, message);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  roots(): Promise<RootsJSON> {
    return this.call(this.url(["roots"]));
  }

  runs(
    root: string,
    limit: number,
    cursor: string | null = null,
    filter: RunFilter = {},
  ): Promise<RunsPageJSON> {
    const query = {
      limit: String(limit),
      cursor: cursor ?? undefined,
      status: filter.status,
      q: filter.q,
      experiment: filter.experiment,
    };
    return this.call(this.url(["roots", root, "runs"], query));
  }

  run(root: string, runId: string): Promise<RunDetailJSON> {
    return this.call(this.url(["roots", root, "runs", runId]));
  }

  cancelRun(root: string, runId: string): Promise<CancelJSON> {
    const url = this.url(["roots", root, "runs", runId, "cancel"]);
    return this.call(url, { method: "POST", body: "{}" });
  }

  deleteRun(root: string, runId: string): Promise<void> {
    return this.call(this.url(["roots", root, "runs", runId]), { method: "DELETE" });
  }

  rerun(root: string, runId: string, fromTask: string): Promise<RerunJSON> {
    const url = this.url(["roots", root, "runs", runId, "rerun"]);
    return this.call(url, { method: "POST", body: JSON.stringify({ from_task: fromTask }) });
  }

  /** Run one task of a finished run again, alone, with that run's inputs, as a new run. */
  spin(root: string, runId: string, task: string): Promise<SpinJSON> {
    const url = this.url(["roots", root, "runs", runId, "spin"]);
    return this.call(url, { method: "POST", body: JSON.stringify({ task }) });
  }

  log(root: string, runId: string, taskId?: string): Promise<LogTailJSON> {
    const query = { task: taskId, max_bytes: String(1_000_000) };
    return this.call(this.url(["roots", root, "runs", runId, "log"], query));
  }

  preview(root: string, runId: string, art: ArtifactRef): Promise<PreviewJSON> {
    const query = { task: art.task_id, name: art.name };
    return this.call(this.url(["roots", root, "runs", runId, "artifacts", "preview"], query));
  }

  /** The URL of an artifact's raw bytes (served with nosniff; HTML only under a sandbox CSP). */
  rawUrl(root: string, runId: string, art: ArtifactRef, download = false): string {
    const query = { task: art.task_id, name: art.name, download: download ? "1" : undefined };
    return this.url(["roots", root, "runs", runId, "artifacts", "raw"], query);
  }

  /** Experiment name -> number of runs ("" for runs recorded before experiments existed). */
  experiments(root: string): Promise<ExperimentsJSON> {
    return this.call(this.url(["roots", root, "experiments"]));
  }

  /** 2 to 10 runs side by side, or an experiment's latest `last` runs. */
  compare(
    root: string,
    runs: string[],
    experiment?: { name: string; last?: number },
  ): Promise<ComparisonJSON> {
    const query = experiment
      ? { experiment: experiment.name, last: experiment.last ? String(experiment.last) : undefined }
      : { runs: runs.join(",") };
    return this.call(this.url(["roots", root, "compare"], query));
  }

  /** One metric over an experiment's runs, oldest first. */
  trend(root: string, experiment: string, metric: string): Promise<TrendJSON> {
    return this.call(this.url(["roots", root, "trend"], { experiment, metric }));
  }

  /**
   * Cancels a run given its pipeline root's path, as the widget knows it. True when the server
   * took the request; false when there is no server extension or the root is not known to it.
   */
  async requestCancel(rootPath: string, runId: string): Promise<boolean> {
    try {
      const { roots } = await this.roots();
      const root = roots.find((r) => r.path === rootPath);
      if (!root) {
        return false;
      }
      await this.cancelRun(root.id, runId);
      return true;
    } catch {
      return false;
    }
  }
}
