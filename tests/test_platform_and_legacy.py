"""kfp-kubernetes platform settings are ignored with one warning each; legacy dsl.Condition."""

import warnings

from kfp import dsl, kubernetes

from kfp_notebook import RunState, TaskState

IMAGE = "python:3.11"


@dsl.component(base_image=IMAGE)
def shout(text: str) -> str:
    return text.upper()


@dsl.pipeline
def with_platform_settings() -> str:
    first = shout(text="a")
    kubernetes.use_secret_as_env(first, secret_name="creds", secret_key_to_env={"token": "TOKEN"})
    kubernetes.mount_pvc(first, pvc_name="data", mount_path="/data")
    second = shout(text=first.output)
    kubernetes.use_secret_as_env(second, secret_name="other", secret_key_to_env={"k": "K"})
    kubernetes.add_toleration(second, key="gpu", operator="Exists", effect="NoSchedule")
    return second.output


def test_kubernetes_platform_settings_warn_once_per_kind(session, compile_to) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = session.run(compile_to(with_platform_settings))
    assert run.status is RunState.SUCCEEDED, run.error
    assert run.output == "A"
    texts = [str(w.message) for w in caught if "Kubernetes-only" in str(w.message)]
    kinds = ("secretAsEnv", "pvcMount", "tolerations")
    assert sorted(k for t in texts for k in kinds if k in t) == sorted(kinds), texts


@dsl.pipeline
def legacy_condition(n: int = 3) -> None:
    with dsl.Condition(n > 2, name="big"):  # deprecated spelling, still compiled by KFP 2.x
        shout(text="big")
    with dsl.Condition(n <= 2):
        shout(text="small")


def test_legacy_condition_runs_and_records_the_skipped_branch(session) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run = session.run(legacy_condition)
    assert run.status is RunState.SUCCEEDED, run.error
    states = {t.task_id: t.status for t in run.tasks.values()}
    assert states["condition-1/shout"] is TaskState.SUCCEEDED, states
    assert states["condition-2/shout-2"] is TaskState.SKIPPED, states
    assert run.task("condition-1/shout").outputs["Output"] == "BIG"
