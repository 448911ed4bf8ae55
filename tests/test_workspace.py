"""`dsl.WORKSPACE_PATH_PLACEHOLDER`: the run's shared workspace, as the backend gives it (one
volume per run at `/kfp-workspace`, the placeholder replaced by the driver): here a folder in
the run's folder, shared by its tasks, kept with the run. Real runs."""

from pathlib import Path

import pytest
from kfp import dsl

from kfp_notebook import RunState

if not hasattr(dsl, "WORKSPACE_PATH_PLACEHOLDER"):  # kfp 2.14 has no workspaces
    pytest.skip("this kfp has no dsl.WORKSPACE_PATH_PLACEHOLDER", allow_module_level=True)


@dsl.component(base_image="python:3.11")
def clone(workspace: str) -> str:
    import os

    os.makedirs(os.path.join(workspace, "repo"), exist_ok=True)
    with open(os.path.join(workspace, "repo", "README"), "w") as f:
        f.write("cloned")
    return workspace


@dsl.component(base_image="python:3.11")
def build(readme: str) -> str:
    with open(readme) as f:
        return f.read() + " and built"


@dsl.pipeline(
    name="shared-workspace",
    pipeline_config=dsl.PipelineConfig(workspace=dsl.WorkspaceConfig(size="1Gi")),
)
def shared_workspace() -> str:
    cloned = clone(workspace=dsl.WORKSPACE_PATH_PLACEHOLDER)
    return build(readme="/kfp-workspace/repo/README").after(cloned).output


def test_tasks_share_the_runs_workspace_folder(session) -> None:
    run = session.run(shared_workspace)
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "cloned and built"
    workspace = Path(run.tasks["clone"].outputs["Output"])
    assert workspace == session.store.run_dir(run.run_id) / "workspace"
    assert (workspace / "repo" / "README").read_text() == "cloned"
    second = session.run(shared_workspace)
    assert Path(second.tasks["clone"].outputs["Output"]) != workspace  # one per run
