"""The ES module the run widget syncs: a small loader, so a saved notebook does not keep the
bundle once per widget. The loader imports the bundle (about 200 KB; it fetches its layout
engine, about 1.5 MB, as a chunk beside it when it first draws the graph) from the Jupyter server
extension (same version only, by digest) and otherwise asks the kernel, which sends the
standalone bundle (one file of about 1.7 MB, the layout engine included) in a message.

Front ends without a Jupyter server page (VS Code, Colab) get the standalone bundle itself, as
does anyone who sets KFP_NOTEBOOK_WIDGET_INLINE=1."""

from __future__ import annotations

import os
from pathlib import Path

from kfp_notebook._views.widget_bundle import STANDALONE, bundle_digest

__all__ = ["bundle_source", "esm"]

_INLINE_HOSTS = ("VSCODE_PID", "VSCODE_CWD", "COLAB_RELEASE_TAG")

LOADER = """\
// kfp-notebook run widget: a loader, so the notebook does not keep the bundle in its state
const DIGEST = "@DIGEST@";
let bundle = null;
function serverUrl() {
  const el = document.getElementById("jupyter-config-data");
  let base = null;
  try { base = el && el.textContent ? JSON.parse(el.textContent).baseUrl || "/" : null; }
  catch { base = null; }
  if (base === null || !DIGEST) return null;
  const path = base.replace(/\\/*$/, "/") + "kfp-notebook/api/widget.js?v=" + DIGEST;
  return new URL(path, location.href).href;
}
function fromKernel(model) {
  return new Promise((resolve, reject) => {
    const listener = (msg) => {
      if (!msg || msg.kind !== "esm") return;
      model.off("msg:custom", listener);
      const url = URL.createObjectURL(new Blob([msg.source], { type: "text/javascript" }));
      import(/* webpackIgnore: true */ url).then(resolve, reject)
        .finally(() => URL.revokeObjectURL(url));
    };
    model.on("msg:custom", listener);
    model.send({ action: "esm" });
  });
}
function load(model) {
  if (!bundle) {
    const url = serverUrl();
    const server = url ? import(/* webpackIgnore: true */ url) : Promise.reject(new Error());
    bundle = server.catch(() => fromKernel(model));
    bundle.catch(() => { bundle = null; });
  }
  return bundle;
}
export default {
  async render(props) {
    const note = document.createElement("div");
    note.className = "kfpnb-loading";
    note.textContent = "Loading the kfp-notebook run widget…";
    props.el.append(note);
    const slow = setTimeout(() => {
      note.textContent = "The kfp-notebook run widget needs the kfp-notebook server extension " +
        "or a running kernel: re-display the run with %kfp show RUN_ID.";
    }, 8000);
    const mod = await load(props.model);
    clearTimeout(slow);
    note.remove();
    return mod.default.render(props);
  },
};
"""


def bundle_source() -> str:
    """The standalone bundle, for the kernel fallback ("" when the front end was not built): a
    module imported from a blob: URL cannot fetch chunks beside it."""
    try:
        return STANDALONE.read_text(encoding="utf-8")
    except OSError:
        return ""


def esm(environ: dict[str, str] | None = None) -> str | Path:
    """What the widget syncs as `_esm`: the loader, or the standalone bundle where no server
    page is."""
    environ = dict(os.environ) if environ is None else environ
    inline = environ.get("KFP_NOTEBOOK_WIDGET_INLINE", "") not in ("", "0")
    if inline or any(name in environ for name in _INLINE_HOSTS):
        return STANDALONE
    return LOADER.replace("@DIGEST@", bundle_digest())
