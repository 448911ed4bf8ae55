"""Experiments, pipelines and pipeline versions of the API (tornado-free, like `runs.py`)."""

from __future__ import annotations

from typing import Any

import yaml

from kfp_notebook._errors import RequestError
from kfp_notebook._kfp_api.convert import ListQuery, experiment_json, pipeline_json, version_json
from kfp_notebook._kfp_api.registry import Registry
from kfp_notebook._kfp_api.validate import check_size, check_spec, optional_text

__all__ = ["Catalog", "dump_spec", "load_documents", "parse_spec"]

# libyaml when PyYAML was built with it: a 30 MiB spec in seconds instead of a minute
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_documents(text: str | bytes) -> list[Any]:
    return [d for d in yaml.load_all(text, Loader=_LOADER) if d]


def dump_spec(spec: dict[str, Any]) -> str:
    return yaml.dump(spec, Dumper=_DUMPER, sort_keys=False)


def parse_spec(text: str | bytes) -> dict[str, Any]:
    """The PipelineSpec of an uploaded YAML/JSON file (a platform-spec document may follow)."""
    check_size(text)
    try:
        docs = load_documents(text)
    except yaml.YAMLError as exc:
        raise RequestError(400, f"Failed to parse the pipeline file: {exc}") from exc
    spec = docs[0] if docs else None
    if isinstance(spec, dict) and "pipelineSpec" in spec:
        spec = spec["pipelineSpec"]
    if not isinstance(spec, dict) or "root" not in spec or "pipelineInfo" not in spec:
        raise RequestError(400, "Invalid pipeline spec: a compiled KFP v2 pipeline needs root and"
                       " pipelineInfo")  # fmt: skip
    check_spec(spec)
    return spec


class Catalog:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # ------------------------------------------------------------------ experiments
    def create_experiment(self, body: dict[str, Any]) -> dict[str, Any]:
        name = optional_text(body, "display_name")
        if not name:
            raise RequestError(400, "Invalid input error: Experiment must have a non-empty name")
        if self.registry.all("experiments", display_name=name):
            raise RequestError(409, f"Experiment with name {name!r} already exists")
        row = self.registry.insert(
            "experiments", experiment_id=self.registry.new_id(), display_name=name,
            description=optional_text(body, "description"),
            namespace=optional_text(body, "namespace"),
            storage_state="AVAILABLE",
        )  # fmt: skip
        return experiment_json(row)

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        row = self.registry.get("experiments", experiment_id)
        if row is None:
            raise RequestError(404, f"Experiment {experiment_id} not found")
        runs = self.registry.all("runs", experiment_id=experiment_id)
        return experiment_json(row, max((r["created"] for r in runs), default=None))

    def list_experiments(self, args: dict[str, str]) -> dict[str, Any]:
        rows = [self.experiment(e["experiment_id"]) for e in self.registry.all("experiments")]
        page, total, token = ListQuery(args).apply(rows)
        return {"experiments": page, "total_size": total, "next_page_token": token}

    def archive_experiment(self, experiment_id: str, archived: bool) -> dict[str, Any]:
        self.experiment(experiment_id)
        state = "ARCHIVED" if archived else "AVAILABLE"
        self.registry.update("experiments", experiment_id, storage_state=state)
        for run in self.registry.all("runs", experiment_id=experiment_id):
            self.registry.update("runs", run["run_id"], storage_state=state)
        return {}

    def delete_experiment(self, experiment_id: str) -> dict[str, Any]:
        self.experiment(experiment_id)
        self.registry.delete("experiments", experiment_id)
        return {}

    def default_experiment(self) -> str:
        """The experiment of a run created without one (the backend's "Default")."""
        rows = self.registry.all("experiments", display_name="Default")
        if rows:
            return str(rows[0]["experiment_id"])
        return str(self.create_experiment({"display_name": "Default"})["experiment_id"])

    # ------------------------------------------------------------------ pipelines
    def upload(self, text: bytes, name: str, description: str, namespace: str) -> dict[str, Any]:
        spec = parse_spec(text)
        name = name or spec["pipelineInfo"].get("name", "pipeline")
        if self.registry.all("pipelines", display_name=name):
            raise RequestError(409, f"Failed to upload pipeline: a pipeline named {name!r} exists;"
                           " upload a new version of it instead")  # fmt: skip
        row = self.registry.insert(
            "pipelines", pipeline_id=self.registry.new_id(), display_name=name,
            description=description, namespace=namespace,
        )  # fmt: skip
        self._add_version(row["pipeline_id"], name, description, text)
        return pipeline_json(row)

    def upload_version(self, text: bytes, pipeline_id: str, name: str, description: str
                       ) -> dict[str, Any]:  # fmt: skip
        self.pipeline(pipeline_id)
        parse_spec(text)
        if not name:
            count = len(self._versions(pipeline_id)) + 1
            name = f"{self.pipeline(pipeline_id)['display_name']}-v{count}"
        return version_json(self._add_version(pipeline_id, name, description, text))

    def _add_version(self, pipeline_id: str, name: str, description: str, text: bytes
                     ) -> dict[str, Any]:  # fmt: skip
        if any(v["display_name"] == name for v in self._versions(pipeline_id)):
            raise RequestError(409, f"Pipeline version named {name!r} exists in this pipeline")
        return self.registry.insert(
            "versions", pipeline_version_id=self.registry.new_id(), pipeline_id=pipeline_id,
            display_name=name, description=description,
            spec=text.decode("utf-8") if isinstance(text, bytes) else text,
        )  # fmt: skip

    def _versions(self, pipeline_id: str) -> list[dict[str, Any]]:
        return self.registry.all("versions", pipeline_id=pipeline_id)

    def pipeline(self, pipeline_id: str) -> dict[str, Any]:
        row = self.registry.get("pipelines", pipeline_id)
        if row is None:
            raise RequestError(404, f"Pipeline {pipeline_id} not found")
        return pipeline_json(row)

    def list_pipelines(self, args: dict[str, str]) -> dict[str, Any]:
        rows = [pipeline_json(p) for p in self.registry.all("pipelines")]
        page, total, token = ListQuery(args).apply(rows)
        return {"pipelines": page, "total_size": total, "next_page_token": token}

    def delete_pipeline(self, pipeline_id: str, cascade: bool) -> dict[str, Any]:
        self.pipeline(pipeline_id)
        versions = self._versions(pipeline_id)
        if versions and not cascade:
            raise RequestError(400, f"Pipeline {pipeline_id} has {len(versions)} version(s); delete"
                           " them first or pass cascade=true")  # fmt: skip
        for v in versions:
            self.registry.delete("versions", v["pipeline_version_id"])
        self.registry.delete("pipelines", pipeline_id)
        return {}

    def version(self, pipeline_id: str, version_id: str) -> dict[str, Any]:
        row = self.registry.get("versions", version_id)
        if row is None or row["pipeline_id"] != pipeline_id:
            raise RequestError(404, f"Pipeline version {version_id} not found")
        return version_json(row, parse_spec(row["spec"]))

    def list_versions(self, pipeline_id: str, args: dict[str, str]) -> dict[str, Any]:
        self.pipeline(pipeline_id)
        rows = [version_json(v) for v in self._versions(pipeline_id)]
        page, total, token = ListQuery(args).apply(rows)
        return {"pipeline_versions": page, "total_size": total, "next_page_token": token}

    def delete_version(self, pipeline_id: str, version_id: str) -> dict[str, Any]:
        self.version(pipeline_id, version_id)
        self.registry.delete("versions", version_id)
        return {}

    def resolve_version(self, reference: dict[str, Any]) -> dict[str, Any]:
        """The version a run refers to (the pipeline's latest when only the pipeline is named)."""
        where = "pipeline_version_reference."
        version_id = optional_text(reference, "pipeline_version_id", where)
        pipeline_id = optional_text(reference, "pipeline_id", where)
        if not version_id:
            versions = self._versions(pipeline_id)
            if not versions:
                raise RequestError(404, f"Pipeline {pipeline_id} has no version to run")
            version_id = versions[-1]["pipeline_version_id"]
        row = self.registry.get("versions", version_id)
        if row is None:
            raise RequestError(404, f"Pipeline version {version_id} not found")
        return row
