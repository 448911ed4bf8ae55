from __future__ import annotations
import json, re
from typing import Any, Mapping, Sequence

def resolve_command(parts: Sequence[str], executor_input: Mapping[str, Any]) -> list[str]:
    out = []
    for p in parts:
        p = p.replace("{{$}}", json.dumps(executor_input))
        def rep(m):
            v = executor_input["inputs"]["parameterValues"][m.group(1)]
            return v if isinstance(v, str) else json.dumps(v)
        p = re.sub(r"\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}", rep, p)
        out.append(p)
    return out
