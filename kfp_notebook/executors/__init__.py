"""Executors run one container task each; the engine does everything else. `TaskExecutor` is
the protocol a new executor implements (see docs/architecture.md); `subprocess` and `docker`
are the two that ship."""

from kfp_notebook.executors.base import Launch, TaskExecutor

__all__ = ["Launch", "TaskExecutor"]
