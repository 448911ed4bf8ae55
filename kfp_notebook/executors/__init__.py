"""Executors run one container task each; the engine does everything else. `TaskExecutor` is
the protocol a new executor implements (see docs/architecture.md), `Launch` what it runs and
`ContainerSpec` the task's container as KFP's IR gives it; `subprocess` and `docker` are the two
that ship. `kfp_notebook.extend` exports these too, beside the events and the store reader."""

from kfp_notebook._spec.types import ContainerSpec
from kfp_notebook.executors.base import Launch, TaskExecutor

__all__ = ["ContainerSpec", "Launch", "TaskExecutor"]
