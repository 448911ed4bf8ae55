"""The end of a run's or a task's log file, read from the run folder (no engine involved)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._server._paths import PathRefused, confine
from kfp_notebook._store.layout import RUN_LOG, TASK_LOG, task_dir_name
from kfp_notebook._views.envelopes import LogTailJSON

__all__ = ["LogHandler"]

_MAX_LOG = 1 << 20


class LogHandler(BaseHandler):
    """The end of a run's (or one task's, ?task=ID) log: ?max_bytes= (at most 1 MiB)."""

    @web.authenticated
    @authorized
    def get(self, rid: str, run_id: str) -> None:
        root = self.root(rid)
        task = self.get_query_argument("task", "") or None
        with self.reader(root) as reader:
            self.run_record(reader, run_id)
            if task is not None and not any(t.task_id == task for t in reader.get_tasks(run_id)):
                raise self.fail(404, f"run {run_id} has no task {task}")
        parts = [run_id, RUN_LOG] if task is None else [run_id, task_dir_name(task), TASK_LOG]
        try:
            cap = min(int(self.get_query_argument("max_bytes", "65536")), _MAX_LOG)
        except ValueError:
            raise self.fail(400, "max_bytes must be a whole number") from None
        if cap < 0:
            raise self.fail(400, "max_bytes must not be negative")
        try:
            path = confine(root.path, *parts)
        except PathRefused as exc:
            raise self.fail(403, str(exc)) from None
        except FileNotFoundError:
            self.send_json(LogTailJSON(text="", size=0, truncated=False))
            return
        size = path.stat().st_size
        with path.open("rb") as f:
            f.seek(max(0, size - max(cap, 0)))
            data = f.read()
        text = data.decode("utf-8", "replace")
        self.send_json(LogTailJSON(text=text, size=size, truncated=size > len(data)))
