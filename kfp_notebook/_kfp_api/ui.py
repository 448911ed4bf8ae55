"""The page at the API's root, where `kfp.Client`'s "Run details" link lands.

`kfp.Client` shows, in a notebook, a link to `<host>/#/runs/details/<run id>` (KFP's UI). There
is no KFP UI here; this page stands in for it instead of a 404: it reads the run id from the
link's fragment, asks the API for that run with the browser's own credentials (inside Jupyter
its login cookie is enough; `kfp-notebook serve` wants its bearer token, which a link cannot
carry) and shows its state and tasks, or says how to see the run without a token. The page is
static: it holds no data and no secret, so it is served without authentication."""

from __future__ import annotations

from tornado import web

__all__ = ["RunDetailsPage", "page_route"]

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>kfp-notebook: run details</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #1f2937; }
code { background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
td { padding: 2px 12px 2px 0; }
.state { font-weight: 600; }
</style></head>
<body>
<h1>kfp-notebook</h1>
<p id="what">This server answers Kubeflow Pipelines' REST API; it has no KFP UI.</p>
<div id="run"></div>
<script>
(function () {
  var match = /^#\\/runs\\/details\\/([^/?#]+)/.exec(location.hash);
  var out = document.getElementById("run");
  function line(text, tag) {
    var el = document.createElement(tag || "p");
    el.textContent = text;
    out.appendChild(el);
    return el;
  }
  if (!match) {
    var experiment = /^#\\/experiments\\/details\\/([^/?#]+)/.exec(location.hash);
    if (experiment) {
      line("Experiment " + decodeURIComponent(experiment[1]), "h2");
      line("Its runs: kfp.Client().list_runs(experiment_id=...), or kfp-notebook runs " +
           "--experiment <its name> in a terminal.");
      return;
    }
    line("Open a run's link from kfp.Client, or list runs with: kfp-notebook runs");
    return;
  }
  var id = decodeURIComponent(match[1]);
  line("Run " + id, "h2");
  var base = location.pathname.replace(/\\/?$/, "/");
  fetch(base + "apis/v2beta1/runs/" + encodeURIComponent(id), { credentials: "same-origin" })
    .then(function (answer) {
      if (answer.status === 401 || answer.status === 403) {
        line("This API needs its token to show the run here. In a terminal: " +
             "kfp-notebook show " + id + " --pipeline-root <the root it serves>; " +
             "in JupyterLab: the Pipeline runs sidebar, or %kfp show " + id + ".");
        return null;
      }
      if (!answer.ok) {
        line("The API answered " + answer.status + " for this run.");
        return null;
      }
      return answer.json();
    })
    .then(function (run) {
      if (!run) { return; }
      line((run.display_name || "") + " " + run.state).className = "state";
      var table = document.createElement("table");
      var tasks = (run.run_details && run.run_details.task_details) || [];
      tasks.forEach(function (task) {
        var row = table.insertRow();
        row.insertCell().textContent = task.display_name || task.task_id;
        row.insertCell().textContent = task.state || "";
      });
      out.appendChild(table);
      if (run.error && run.error.message) { line(run.error.message, "pre"); }
    })
    .catch(function (error) { line("The API could not be reached: " + error); });
})();
</script>
</body></html>
"""


class RunDetailsPage(web.RequestHandler):
    """GET: the page; nothing else is answered here."""

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        )

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_PAGE)


def page_route(prefix: str) -> tuple[str, type]:
    """The page's URL pattern under the API's `prefix` (empty for `serve`)."""
    return (prefix + "/?", RunDetailsPage)
