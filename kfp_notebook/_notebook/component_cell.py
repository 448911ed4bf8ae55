"""A notebook cell turned into a KFP lightweight component.

The cell holds imports and exactly one top-level function. KFP ships only the function's source
to the task, so imports written at the cell top are moved into the function body; the result is
registered with `linecache` under a synthetic file name, so `inspect.getsource` (which KFP
calls) finds exactly the source we built. Cell mistakes raise ComponentCellError naming the
cell line, never a traceback from inside kfp."""

from __future__ import annotations

import ast
import hashlib
import linecache
import textwrap
from typing import Any

from kfp_notebook._api import source_map
from kfp_notebook._errors import KfpNotebookError

__all__ = ["ComponentCellError", "component_from_cell"]


class ComponentCellError(KfpNotebookError):
    """The %%component cell is not one function KFP can turn into a component."""


def _fail(line: int | None, message: str) -> ComponentCellError:
    where = f"line {line}: " if line else ""
    return ComponentCellError(f"%%component cell, {where}{message}")


def _split(cell: str) -> tuple[list[ast.stmt], ast.FunctionDef]:
    try:
        tree = ast.parse(cell)
    except SyntaxError as exc:
        return_line = exc.lineno
        raise _fail(return_line, f"syntax error: {exc.msg}") from None
    imports: list[ast.stmt] = []
    functions: list[ast.FunctionDef] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
        elif isinstance(node, ast.FunctionDef):
            functions.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring or a bare string
        elif isinstance(node, ast.AsyncFunctionDef):
            raise _fail(node.lineno, "async functions cannot be components; use a plain def.")
        else:
            raise _fail(
                node.lineno,
                "only imports and one function may sit at the top of the cell; move this "
                "statement into the function.",
            )
    if not functions:
        raise _fail(None, "define one function (def name(...) -> ...:) in the cell.")
    if len(functions) > 1:
        names = ", ".join(f.name for f in functions)
        raise _fail(
            functions[1].lineno,
            f"the cell defines {len(functions)} functions ({names}); put each component in its "
            "own %%component cell (helpers go inside the component function).",
        )
    func = functions[0]
    if func.decorator_list:
        raise _fail(func.lineno, "remove the decorator: %%component makes the component.")
    args = func.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.annotation is None:
            raise _fail(
                arg.lineno,
                f"parameter {arg.arg!r} has no type annotation; KFP needs one "
                "(e.g. int, str, List[str], Input[Dataset], Output[Model]).",
            )
    if args.vararg or args.kwarg:
        raise _fail(func.lineno, "*args and **kwargs cannot be component inputs.")
    return imports, func


def component_source(cell: str) -> tuple[str, str]:
    """(function name, source of the function with the cell's imports moved inside)."""
    name, source, _ = _component_source(cell)
    return name, source


def _component_source(cell: str) -> tuple[str, str, list[int]]:
    """(name, source, the cell's line of each line of the source)."""
    imports, func = _split(cell)
    lines = cell.splitlines()
    body_start = func.body[0]
    if (
        isinstance(body_start, ast.Expr)
        and isinstance(body_start.value, ast.Constant)
        and len(func.body) > 1
    ):
        body_start = func.body[1]  # keep the docstring first
    header = lines[func.lineno - 1 : body_start.lineno - 1]
    body = lines[body_start.lineno - 1 : func.end_lineno]
    indent = body[0][: len(body[0]) - len(body[0].lstrip())] or "    "
    moved, origin = [], list(range(func.lineno, body_start.lineno))
    for node in imports:
        text = "\n".join(lines[node.lineno - 1 : node.end_lineno])
        moved += [indent + line for line in textwrap.dedent(text).splitlines()]
        origin += range(node.lineno, (node.end_lineno or node.lineno) + 1)
    origin += range(body_start.lineno, (func.end_lineno or body_start.lineno) + 1)
    return func.name, "\n".join([*header, *moved, *body]) + "\n", origin


def component_from_cell(
    cell: str,
    namespace: dict[str, Any],
    *,
    packages: list[str] | None = None,
    base_image: str | None = None,
    pip_index_urls: list[str] | None = None,
    label: str = "%%component cell",
    first_line: int = 1,
) -> tuple[str, Any]:
    """(name, KFP component) for the cell; `namespace` resolves the annotations; a failed
    task's traceback names its lines as `label`'s, counted from `first_line` (2 under the
    `%%component` line; `source_map`)."""
    from kfp import dsl

    name, source, origin = _component_source(cell)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    filename = f"<kfp-notebook-component-{name}-{digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    source_map.register(filename, label, [n + first_line - 1 for n in origin])
    scope = _annotation_names()
    scope.update(namespace)
    try:
        exec(compile(source, filename, "exec", dont_inherit=True), scope)
    except NameError as exc:
        raise _fail(None, f"{exc}; import it at the top of the cell.") from None
    func = scope[name]
    options: dict[str, Any] = {"base_image": base_image or "python:3.11"}
    if packages:
        options["packages_to_install"] = packages
    if pip_index_urls:
        options["pip_index_urls"] = pip_index_urls
    try:
        return name, dsl.component(func, **options)
    except Exception as exc:  # kfp's TypeError/ValueError on unsupported annotations
        raise _fail(None, f"KFP cannot make a component of {name!r}: {exc}") from None


def _annotation_names() -> dict[str, Any]:
    """What KFP's own component files import, so annotations resolve without imports."""
    import typing

    from kfp import dsl

    names: dict[str, Any] = {k: getattr(typing, k) for k in typing.__all__}
    names.update({k: getattr(dsl, k) for k in dir(dsl) if not k.startswith("_")})
    return names
