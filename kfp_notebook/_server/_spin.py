"""POST .../runs/RUN/spin: one task of a finished run, alone, with the inputs RUN gave it, in a
detached `kfp-notebook spin --persist` process; recorded as a new run (RUN is never changed)."""

from __future__ import annotations

import json

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
        if not self.ext.allow_rerun:
            raise self.fail(403, "re-running is turned off (KfpNotebookServer.allow_rerun)")
        root = self.root(rid)
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise self.fail(400, 'the body must be JSON like {"task": "train"}') from None
        task = body.get("task") if isinstance(body, dict) else None
        if not isinstance(task, str) or not task:
            raise self.fail(400, 'give the task to spin: {"task": "train"}')
        with self.reader(root) as reader:
            record = self.run_record(reader, run_id)
            tasks = reader.get_tasks(run_id)
        self.confined(root.path, run_id, root=root.path)
        runner = body.get("runner")
        self.send_json(start_spin(root.path, record, tasks, task, runner), status=202)
