"""REST handlers for experiments and comparisons, thin over `_views/compare/`:

- `GET roots/ID/experiments`: experiment names with their run counts
- `GET roots/ID/compare?runs=A,B,C` (2 to 10 runs) or `?experiment=E[&last=N]`: `ComparisonJSON`
- `GET roots/ID/trend?experiment=E&metric=M[&last=N]`: `TrendJSON`

Authenticated and authorized like every handler; the run files a comparison reads (each run's
pipeline.yaml, Markdown and HTML artifacts) are confined to the root."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._server._paths import PathRefused, confine_uri
from kfp_notebook._views.compare.model import (
    ComparisonError,
    Resolve,
    compare_runs,
    select_runs,
)
from kfp_notebook._views.compare.trend import trend
from kfp_notebook._views.envelopes import ExperimentsJSON

__all__ = ["CompareHandler", "ExperimentsHandler", "TrendHandler"]


def confined_to(root: Path) -> Resolve:
    """Reads only files inside `root` (through symlinks too); anything else reads as missing."""

    def resolve(uri: str) -> Path | None:
        try:
            return confine_uri(uri, root)
        except (PathRefused, FileNotFoundError):
            return None

    return resolve


class ExperimentsHandler(BaseHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        with self.reader(root) as reader:
            body: ExperimentsJSON = {"experiments": reader.experiment_names()}
        self.send_json(body)


class _ReaderHandler(BaseHandler):
    def last(self) -> int | None:
        text = self.get_query_argument("last", "")
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise self.fail(400, "last must be a whole number") from None


class CompareHandler(_ReaderHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        ids = [r.strip() for r in self.get_query_argument("runs", "").split(",") if r.strip()]
        for run_id in ids:
            self.check_segment(run_id)
        experiment = self.get_query_argument("experiment", "") or None
        reader = self.reader(root)
        try:
            chosen = select_runs(reader, ids, experiment, self.last())
            for run_id in chosen:
                if reader.get_run(run_id) is None:
                    raise self.fail(404, f"no run {run_id} in this pipeline root")
            body = compare_runs(reader, chosen, resolve=confined_to(root.path))
        except ComparisonError as exc:
            raise self.fail(400, str(exc)) from None
        finally:
            reader.close()
        self.send_json(body)


class TrendHandler(_ReaderHandler):
    @web.authenticated
    @authorized
    def get(self, rid: str) -> None:
        root = self.root(rid)
        experiment = self.get_query_argument("experiment", "")
        metric = self.get_query_argument("metric", "")
        if not experiment or not metric:
            raise self.fail(400, "give the experiment and the metric: ?experiment=E&metric=M")
        reader = self.reader(root)
        try:
            body = trend(reader, experiment, metric, last=self.last())
        except ComparisonError as exc:
            raise self.fail(404, str(exc)) from None
        finally:
            reader.close()
        self.send_json(body)
