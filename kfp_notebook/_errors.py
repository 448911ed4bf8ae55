"""The one exception family a user can cause, each with a message that says what to do."""

from __future__ import annotations

__all__ = [
    "ContainerOptionError",
    "EnvironmentBuildError",
    "ExecutorUnavailableError",
    "KfpNotebookError",
    "PipelineInputError",
    "PipelineSpecError",
    "RunFailedError",
    "RunStillRunningError",
    "StoreError",
]


class KfpNotebookError(Exception):
    """Base class for every error a user can cause or fix."""


class PipelineSpecError(KfpNotebookError):
    """The pipeline (YAML, function or component) cannot be read or is not valid KFP IR."""


class PipelineInputError(KfpNotebookError):
    """A pipeline argument is unknown, missing or of the wrong type."""


class EnvironmentBuildError(KfpNotebookError):
    """A task's Python environment could not be built (bad requirement, failed install)."""


class ExecutorUnavailableError(KfpNotebookError):
    """The chosen executor cannot run this task (e.g. a container component on subprocess)."""


class ContainerOptionError(KfpNotebookError):
    """A Docker runner option is unknown, unsafe, or conflicts with what the runner sets."""


class RunFailedError(KfpNotebookError):
    """A run ended FAILED or CANCELLED while the caller asked to raise on error."""


class StoreError(KfpNotebookError):
    """A pipeline root cannot be read or written (missing, not a folder, read-only, full)."""


class RunStillRunningError(KfpNotebookError):
    """An operation that needs a finished run was asked of a running one."""
