"""POST .../runs/RUN/spin: one task of a finished run, alone, with the inputs RUN gave it, in a
detached `kfp-notebook spin --persist` process; recorded as a new run (RUN is never changed)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._server._rerun import start_spin

__all__ = ["SpinHandler"]


class SpinHandler(BaseHandler):
    """POST {"task": "train"[, "runner": R]}: 202 with the new run's id, the process's pid, its
    log's name and the runner (the run's recorded one unless R is given)."""

    @web.authenticated
    @authorized
    def post(self, rid: str, run_id: str) -> None:
        self.launch(rid, run_id, "task", "the task to spin", start_spin)
