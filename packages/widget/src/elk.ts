// The layout engine, off the page's main thread: layout.ts imports this module on first use, so
// the build makes it a chunk of its own (chunks/elk-HASH.js). The chunk holds elkjs's worker
// script as text (the build loads `.min.js` as text), started as a Web Worker from a blob: URL,
// so it works wherever the bundle came from (the server extension, the kernel, inlined). Where
// a page refuses workers (a content security policy), the same script runs on the main thread
// through elkjs's in-page stand-in for a worker.
import ELK, { type ELK as ElkApi } from "elkjs/lib/elk-api.js";
import workerScript from "elkjs/lib/elk-worker.min.js";

/** Where the layouts run: "worker", or "page" (the main thread). */
export type EngineKind = "worker" | "page";

export interface Engine {
  elk: ElkApi;
  kind: EngineKind;
}

interface WorkerLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** elkjs's worker on a Worker; rejects when the page refuses it or the script fails. */
async function inWorker(): Promise<Engine> {
  const url = URL.createObjectURL(new Blob([workerScript], { type: "text/javascript" }));
  try {
    const worker = new Worker(url);
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener("error", (ev) => reject(new Error(ev.message || "worker failed")));
    });
    const elk = new ELK({ workerFactory: () => worker });
    try {
      await Promise.race([elk.layout({ id: "probe", children: [] }), failed]);
    } catch (error) {
      worker.terminate();
      throw error;
    }
    return { elk, kind: "worker" };
  } finally {
    URL.revokeObjectURL(url); // a started worker keeps its script
  }
}

/** elkjs's worker script evaluated in the page, its stand-in worker answering in-thread. */
function inPage(): Engine {
  const module: { exports: { Worker?: new () => WorkerLike } } = { exports: {} };
  new Function("module", "exports", workerScript)(module, module.exports);
  const FakeWorker = module.exports.Worker;
  if (!FakeWorker) {
    throw new Error("the layout engine's script did not load");
  }
  return { elk: new ELK({ workerFactory: () => new FakeWorker() as never }), kind: "page" };
}

/** The layout engine: in a worker where the page allows it, else on the main thread. */
export async function startEngine(): Promise<Engine> {
  if (typeof Worker !== "undefined" && typeof URL.createObjectURL === "function") {
    try {
      return await inWorker();
    } catch (error) {
      console.warn("kfp-notebook: the graph layout runs in the page (no worker):", error);
    }
  }
  return inPage();
}
