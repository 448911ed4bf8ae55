from __future__ import annotations
import shlex
from dataclasses import dataclass
from typing import Any, Mapping

@dataclass(frozen=True)
class LightweightCommand:
    source: str
    function_name: str
    packages: tuple[str, ...]
    kfp_requirement: str | None
    index_urls: tuple[str, ...]
    trusted_hosts: tuple[str, ...]
    image: str

def parse_lightweight(container: Mapping[str, Any]) -> LightweightCommand | None:
    command = list(container.get("command", []))
    args = list(container.get("args", []))
    idx = next((i for i, c in enumerate(command) if "kfp.dsl.executor_main" in c and "ephemeral_component.py" in c), None)
    if idx is None or idx + 1 >= len(command): return None
    source = command[idx + 1]
    fn = args[args.index("--function_to_execute") + 1]
    pkgs, kfp_req, idx_urls, hosts = [], None, [], []
    for c in command[:idx]:
        if "pip install" not in c: continue
        for seg in c.split("&&"):
            if "pip install" not in seg: continue
            toks = shlex.split(seg.split("pip install", 1)[1])
            it = iter(toks)
            for t in it:
                if t in ("--index-url", "--extra-index-url"): idx_urls.append(next(it)); continue
                if t == "--trusted-host": hosts.append(next(it)); continue
                if t.startswith("-") or t.startswith('"$0"'): continue
                if t.startswith("kfp==") or t == "kfp": kfp_req = t; continue
                if t.startswith("typing-extensions") and "python_version" in t: continue
                pkgs.append(t)
    return LightweightCommand(source, fn, tuple(pkgs), kfp_req, tuple(dict.fromkeys(idx_urls)), tuple(hosts), container.get("image", ""))
