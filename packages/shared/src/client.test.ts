import { describe, expect, it } from "vitest";

import { KfpApi, pageServerOptions, xsrfCookie } from "./client";

function recorder(responses: Record<string, unknown>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const request = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const path = url.replace(/\?.*$/, "");
    const body = responses[path];
    return body === undefined
      ? new Response(JSON.stringify({ message: "no such thing" }), { status: 404 })
      : new Response(JSON.stringify(body), { status: 200 });
  };
  return { calls, request };
}

describe("KfpApi", () => {
  it("builds API URLs under the base URL with encoded parts and query", () => {
    const api = new KfpApi({ baseUrl: "/user/ada" });
    expect(api.url(["roots", "ab", "runs", "a b/c"], { task: "loop/0", q: "", x: undefined })).toBe(
      "/user/ada/kfp-notebook/api/roots/ab/runs/a%20b%2Fc?task=loop%2F0",
    );
  });

  it("asks for previews by task_id and name", async () => {
    const { calls, request } = recorder({
      "/kfp-notebook/api/roots/r1/runs/run-1/artifacts/preview": { kind: "text", text: "hi" },
    });
    const api = new KfpApi({ baseUrl: "/", request });
    const preview = await api.preview("r1", "run-1", { task_id: "train", name: "model" });
    expect(preview.kind).toBe("text");
    expect(calls[0]?.url).toBe(
      "/kfp-notebook/api/roots/r1/runs/run-1/artifacts/preview?task=train&name=model",
    );
  });

  it("reports the server's message on errors", async () => {
    const api = new KfpApi({ baseUrl: "/", request: recorder({}).request });
    await expect(api.roots()).rejects.toThrow("404 no such thing");
  });

  it("cancels a run found by its root's path", async () => {
    const { calls, request } = recorder({
      "/kfp-notebook/api/roots": { roots: [{ id: "r9", path: "/tmp/outputs" }] },
      "/kfp-notebook/api/roots/r9/runs/run-1/cancel": { run_id: "run-1" },
    });
    const api = new KfpApi({ baseUrl: "/", request });
    expect(await api.requestCancel("/tmp/outputs", "run-1")).toBe(true);
    expect(calls[1]?.init.method).toBe("POST");
    expect(await api.requestCancel("/elsewhere", "run-1")).toBe(false);
  });

  it("spins a task of a run: a POST naming the task, answered with the new run", async () => {
    const { calls, request } = recorder({
      "/kfp-notebook/api/roots/r9/runs/run-1/spin": { run_id: "demo-spin-train-1", pid: 7 },
    });
    const api = new KfpApi({ baseUrl: "/", request });
    expect((await api.spin("r9", "run-1", "loop/0/train")).run_id).toBe("demo-spin-train-1");
    expect(calls[0]?.init.method).toBe("POST");
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ task: "loop/0/train" });
  });

  it("sends the token and the XSRF cookie with the default fetch", async () => {
    let seen: Headers | undefined;
    const original = globalThis.fetch;
    globalThis.fetch = (async (_url: string, init: RequestInit) => {
      seen = new Headers(init.headers);
      return new Response("{}", { status: 200 });
    }) as typeof fetch;
    try {
      const api = new KfpApi({ baseUrl: "/", token: "t0k", xsrfToken: () => "x5rf" });
      await api.cancelRun("r", "run");
    } finally {
      globalThis.fetch = original;
    }
    expect(seen?.get("Authorization")).toBe("token t0k");
    expect(seen?.get("X-XSRFToken")).toBe("x5rf");
    expect(seen?.get("Content-Type")).toBe("application/json");
  });
});

describe("page options", () => {
  it("reads the base URL and token of the page", () => {
    document.body.innerHTML =
      '<script id="jupyter-config-data" type="application/json">{"baseUrl": "/b/", "token": "tk"}</script>';
    expect(pageServerOptions()).toEqual({ baseUrl: "/b/", token: "tk" });
    document.body.innerHTML = "";
    expect(pageServerOptions()).toEqual({ baseUrl: "/", token: undefined });
  });

  it("reads the _xsrf cookie", () => {
    expect(xsrfCookie("a=1; _xsrf=2%7C3; b=4")).toBe("2|3");
    expect(xsrfCookie("a=1")).toBeUndefined();
  });
});
