"""Images for task containers: pull a missing image once, and derive one image per
(base image, requirement set) with KFP and the packages installed, so no task pip-installs.

A derived image is built once under a thread lock and a cross-process file lock, committed with
labels that `kfp-notebook gc` reads, and found again by its tag on later runs."""

from __future__ import annotations

import hashlib
import json
import shlex
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filelock import FileLock

from kfp_notebook._errors import EnvironmentBuildError, ExecutorUnavailableError
from kfp_notebook._spec.lightweight import LightweightCommand
from kfp_notebook.executors.docker.client import IMAGE_LABEL, engine_labels
from kfp_notebook.executors.subprocess.env_spec import command_env_spec, kfp_requirement

__all__ = ["ImageCache", "remove_derived_images"]

REPOSITORY = "kfp-notebook-env"


class ImageCache:
    """Base images present once, derived images built once; safe across threads/processes."""

    def __init__(self, client: Any, lock_dir: Path) -> None:
        self.client = client
        self.lock_dir = lock_dir
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._present: set[str] = set()

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def ensure_present(self, image: str, log: Callable[[str], None]) -> str:
        """The id of `image`, pulled first if missing (one pull however many tasks ask)."""
        import docker.errors

        with self._lock(f"pull:{image}"):
            try:
                return str(self.client.images.get(image).id)
            except docker.errors.ImageNotFound:
                pass
            log(f"[kfp-notebook] pulling image {image}")
            try:
                return str(self.client.images.pull(image).id)
            except docker.errors.APIError as exc:
                raise ExecutorUnavailableError(
                    f"image {image!r} is not on this machine and could not be pulled "
                    f"({exc.explanation or exc}). Build or pull it (`docker pull {image}`), or "
                    "set base_image= on the component to an image you have."
                ) from None

    def derived(self, command: LightweightCommand, log: Callable[[str], None]) -> str:
        """Tag of the image for this component's base image and requirements, built if needed."""
        import docker.errors

        base_id = self.ensure_present(command.image, log)
        kfp = kfp_requirement(command)
        spec = command_env_spec(command)
        key = hashlib.sha256(json.dumps([base_id, spec.key]).encode()).hexdigest()[:16]
        tag = f"{REPOSITORY}:{key}"
        if tag in self._present:
            return tag
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        with self._lock(tag), FileLock(str(self.lock_dir / f"image-{key}.lock")):
            try:
                self.client.images.get(tag)
            except docker.errors.ImageNotFound:
                self._build(tag, command, spec.requirements, kfp, log)
        self._present.add(tag)
        return tag

    def _build(
        self,
        tag: str,
        command: LightweightCommand,
        requirements: tuple[str, ...],
        kfp: str,
        log: Callable[[str], None],
    ) -> None:
        index: list[str] = []
        for i, url in enumerate(command.index_urls):
            index += ["--index-url" if i == 0 else "--extra-index-url", url]
        index += [o for h in command.trusted_hosts for o in ("--trusted-host", h)]
        pip = ["python3", "-m", "pip", "install", "--quiet", "--no-warn-script-location", *index]
        steps = [[*pip, *requirements]] if requirements else []
        steps.append([*pip, "--no-deps", kfp])
        script = " && ".join(shlex.join(step) for step in steps)
        log(f"[kfp-notebook] building image {tag} from {command.image}: {script}")
        container = self.client.containers.run(
            command.image,
            ["sh", "-c", script],
            detach=True,
            environment={"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"},
            labels={**engine_labels("image-build", tag), IMAGE_LABEL: "build"},
        )
        try:
            for chunk in container.logs(stream=True, follow=True):
                for line in chunk.decode("utf-8", errors="replace").splitlines():
                    log(line)
            code = int(container.wait().get("StatusCode", 1))
            if code != 0:
                tail = container.logs(tail=20).decode("utf-8", errors="replace")
                raise EnvironmentBuildError(
                    f"could not install {', '.join(requirements) or kfp} into {command.image} "
                    f"(exit status {code}):\n{tail}\nCheck packages_to_install and the index "
                    "URL, and that the image has python3 with pip."
                )
            labels = {
                IMAGE_LABEL: "1",
                "kfp-notebook.base-image": command.image,
                "kfp-notebook.requirements": " ".join(requirements),
                "kfp-notebook.kfp": kfp,
            }
            repository, _, version = tag.partition(":")
            conf = {"Labels": labels, "Cmd": ["python3"]}
            container.commit(repository=repository, tag=version, conf=conf)
        finally:
            container.remove(force=True)


def remove_derived_images(client: Any, dry_run: bool = False) -> list[tuple[str, int]]:
    """Remove derived images no container uses; return (tag, size in bytes) of each."""
    import docker.errors

    used = {c.image.id for c in client.containers.list(all=True) if c.image is not None}
    removed = []
    for image in client.images.list(filters={"label": f"{IMAGE_LABEL}=1"}):
        if image.id in used:
            continue
        tag = image.tags[0] if image.tags else image.short_id
        if not dry_run:
            try:
                client.images.remove(image.id)
            except docker.errors.APIError:
                continue  # a container started from it meanwhile
        removed.append((tag, int(image.attrs.get("Size", 0))))
    return removed
