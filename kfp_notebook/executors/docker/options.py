"""User options for task containers: what passes through to `containers.run`, what is refused.

Tasks run with `cap_drop=ALL`, `no-new-privileges` and an init process; options may add
resources, networks, GPUs and mounts, never privileges or the Docker socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kfp_notebook._errors import ContainerOptionError

__all__ = ["check_options", "merge_environment"]

PASS_THROUGH = frozenset(
    {
        "environment", "network", "network_mode", "nano_cpus", "cpu_period", "cpu_quota",
        "cpu_shares", "cpuset_cpus", "mem_limit", "memswap_limit", "mem_reservation",
        "shm_size", "device_requests", "devices", "volumes", "mounts", "tmpfs", "ulimits",
        "dns", "extra_hosts", "user", "group_add", "read_only", "platform", "runtime",
        "init", "hostname", "domainname", "oom_kill_disable", "pids_limit", "storage_opt",
    }
)  # fmt: skip
UNSAFE = {
    "privileged": "gives the task full control of the host",
    "cap_add": "adds kernel capabilities (tasks run with none)",
    "security_opt": "would lift no-new-privileges or the seccomp/AppArmor profile",
    "pid_mode": "shares process namespaces",
    "ipc_mode": "shares IPC namespaces",
    "userns_mode": "leaves the user namespace",
    "uts_mode": "shares the host's UTS namespace",
    "cgroup_parent": "moves the task out of Docker's cgroup",
}
OWNED = frozenset(
    {
        "image", "command", "entrypoint", "labels", "detach", "auto_remove", "remove", "name",
        "working_dir", "stdin_open", "tty", "stdout", "stderr", "stream", "cap_drop",
    }
)  # fmt: skip
_SOCKETS = ("docker.sock", "containerd.sock", "podman.sock")


def check_options(options: dict[str, Any]) -> None:
    """Raise ContainerOptionError for the first option that is unknown, unsafe or ours."""
    for key, value in options.items():
        if key in UNSAFE:
            raise ContainerOptionError(
                f"the Docker runner refuses {key}={value!r}: it {UNSAFE[key]}. Tasks run "
                "unprivileged; drop the option."
            )
        if key in OWNED:
            raise ContainerOptionError(
                f"{key!r} is set by the Docker runner for every task and cannot be given as an "
                "option. Set the image with base_image= on the component; commands come from "
                "the component itself."
            )
        if key not in PASS_THROUGH:
            raise ContainerOptionError(
                f"unknown Docker runner option {key!r}. Supported: "
                f"{', '.join(sorted(PASS_THROUGH))}."
            )
    for source, target in _mounts(options):
        if any(source.endswith(s) or target.endswith(s) for s in _SOCKETS):
            raise ContainerOptionError(
                f"mounting {source!r} would hand the task the container engine (root on the "
                "host). The Docker runner never mounts an engine socket."
            )


def check_mount_targets(options: dict[str, Any], pipeline_root: Path) -> None:
    """A mount over the pipeline root would hide the task's inputs and outputs."""
    root = str(pipeline_root.resolve())
    for _, target in _mounts(options):
        clean = target.rstrip("/") or "/"
        if root == clean or root.startswith(clean + "/") or clean.startswith(root + "/"):
            raise ContainerOptionError(
                f"the mount at {target!r} overlaps the pipeline root {root!r}, which the "
                "runner mounts for task inputs and outputs. Mount it somewhere else."
            )


def merge_environment(options: dict[str, Any], task_env: dict[str, str]) -> dict[str, str]:
    """The runner's `environment` option, then the task's own variables (which win)."""
    given = options.get("environment") or {}
    if isinstance(given, (list, tuple)):
        given = dict(item.split("=", 1) if "=" in item else (item, "") for item in given)
    return {**{str(k): str(v) for k, v in dict(given).items()}, **task_env}


def _mounts(options: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    volumes = options.get("volumes") or {}
    if isinstance(volumes, dict):
        for source, spec in volumes.items():
            target = spec.get("bind", "") if isinstance(spec, dict) else str(spec)
            found.append((str(source), target))
    else:
        for entry in volumes:
            parts = str(entry).split(":")
            found.append((parts[0], parts[1] if len(parts) > 1 else parts[0]))
    for mount in options.get("mounts") or []:
        get = mount.get if hasattr(mount, "get") else lambda k, m=mount: getattr(m, k, "")
        found.append((str(get("Source") or ""), str(get("Target") or "")))
    return found
