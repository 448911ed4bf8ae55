// Asking the Jupyter server extension to cancel a run: it works even while the kernel is busy
// in the cell that waits for the run (widget messages reach the kernel only between cells).
interface PageConfig {
  baseUrl?: string;
  token?: string;
}

function pageConfig(): PageConfig {
  const el = document.getElementById("jupyter-config-data");
  try {
    return el?.textContent ? (JSON.parse(el.textContent) as PageConfig) : {};
  } catch {
    return {};
  }
}

function headers(config: PageConfig): Record<string, string> {
  const out: Record<string, string> = { "Content-Type": "application/json" };
  const xsrf = document.cookie.split("; ").find((c) => c.startsWith("_xsrf="));
  if (xsrf) out["X-XSRFToken"] = decodeURIComponent(xsrf.slice("_xsrf=".length));
  if (config.token) out["Authorization"] = `token ${config.token}`;
  return out;
}

/** True when the server took the request; false when there is no server extension to ask. */
export async function requestCancel(rootPath: string, runId: string): Promise<boolean> {
  const config = pageConfig();
  const api = `${(config.baseUrl ?? "/").replace(/\/?$/, "/")}kfp-notebook/api`;
  try {
    const listing = await fetch(`${api}/roots`, { headers: headers(config), credentials: "same-origin" });
    if (!listing.ok) return false;
    const { roots } = (await listing.json()) as { roots: { id: string; path: string }[] };
    const root = roots.find((r) => r.path === rootPath);
    if (!root) return false;
    const url = `${api}/roots/${root.id}/runs/${encodeURIComponent(runId)}/cancel`;
    const response = await fetch(url, { method: "POST", body: "{}", headers: headers(config), credentials: "same-origin" });
    return response.ok;
  } catch {
    return false;
  }
}
