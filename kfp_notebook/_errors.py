"""The one exception family a user can cause, each with a message that says what to do."""

from __future__ import annotations

__all__ = [
    "ContainerOptionError",
    "EndpointUnreachableError",
    "EnvironmentBuildError",
    "ExecutorUnavailableError",
    "KfpNotebookError",
    "PipelineInputError",
    "PipelineSpecError",
    "RemoteAuthError",
    "RemoteError",
    "RemoteRunNotFoundError",
    "RemoteSpecRejectedError",
    "RequestError",
    "RunCancelledError",
    "RunFailedError",
    "RunStillRunningError",
    "StoreError",
    "run_ended_error",
]


class KfpNotebookError(Exception):
    """Base class for every error a user can cause or fix."""


class PipelineSpecError(KfpNotebookError):
    """The pipeline (YAML, function or component) cannot be read or is not valid KFP IR."""


class PipelineInputError(KfpNotebookError):
    """A pipeline argument is unknown, missing or of the wrong type."""


class EnvironmentBuildError(KfpNotebookError):
    """A task's Python environment could not be built (bad requirement, failed install)."""


class ExecutorUnavailableError(KfpNotebookError, RuntimeError):
    """The chosen executor cannot run this task (e.g. a container component on subprocess).
    A RuntimeError too, as kfp.local's is."""


class ContainerOptionError(KfpNotebookError):
    """A Docker runner option is unknown, unsafe, or conflicts with what the runner sets."""


class RunFailedError(KfpNotebookError, RuntimeError):
    """A run ended FAILED or CANCELLED while the caller asked to raise on error. A RuntimeError
    too, as kfp.local's failed run is, so `except RuntimeError:` keeps working.

    In IPython it shows as `shown` (its message where none is given) in place of a traceback:
    the frames of this raise are kfp's and ours; the task's own traceback is in the run's
    widget and log above, and `shown` names the task, its frame of the user's code and its
    exception."""

    def __init__(self, message: str, shown: str | None = None) -> None:
        super().__init__(message)
        self.shown = shown or message

    def _render_traceback_(self) -> list[str]:  # IPython's hook, in place of the traceback
        return [f"{type(self).__name__}: {self.shown}"]


class RunCancelledError(RunFailedError):
    """A run ended CANCELLED (its widget's or the sidebar's cancel, `kfp-notebook cancel`,
    `Run.cancel()`): not a failure of the code, so it names no task; still raised, so that what
    follows the call (the next cells of "Run All") does not run on outputs that do not exist."""


def run_ended_error(
    run_id: str, state: str, error: str | None, brief: str | None = None
) -> RunFailedError:
    """The error for a run that ended in `state` (a RunState value) other than SUCCEEDED;
    `brief` is the shorter form of `error` IPython shows."""
    if state == "CANCELLED":
        return RunCancelledError(f"run {run_id} was cancelled")
    said = f"run {run_id} {state}: "
    return RunFailedError(said + (error or "see its log"), said + brief if brief else None)


class StoreError(KfpNotebookError):
    """A pipeline root cannot be read or written (missing, not a folder, read-only, full)."""


class RequestError(KfpNotebookError):
    """A request one of the HTTP doors (the sidebar's API, KFP's API) refuses: `status` is the
    HTTP status that says why; each door answers it in its own API's error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class RunStillRunningError(KfpNotebookError):
    """An operation that needs a finished run was asked of a running one."""


class RemoteError(KfpNotebookError):
    """A Kubeflow Pipelines cluster could not be reached, or refused a request."""


class EndpointUnreachableError(RemoteError):
    """No KFP API answers at the endpoint (wrong URL, no port-forward, network down)."""


class RemoteAuthError(RemoteError):
    """The cluster refused the request (401/403): a token is missing, expired or not allowed."""


class RemoteRunNotFoundError(RemoteError):
    """The cluster has no run with this id (deleted, or another cluster or namespace)."""


class RemoteSpecRejectedError(RemoteError):
    """The cluster refused the pipeline or its arguments; the message is the backend's."""
