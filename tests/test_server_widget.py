"""The server extension serves the run widget's bundle to the loader a saved notebook keeps:
only the version the loader asks for (by digest), only to an authenticated page; and the chunks
the bundle imports on demand (the layout engine), by their hashed names."""

import re
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from kfp_notebook._notebook.widget_code import LOADER, esm
from kfp_notebook._views.widget_bundle import BUNDLE, CHUNKS, STANDALONE, bundle_digest, chunk_path

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"kfp_notebook": True}}})


async def test_the_bundle_is_served_by_digest(
    jp_fetch: Any, http_server_client: Any, jp_base_url: str
) -> None:
    digest = bundle_digest()
    assert len(digest) == 16, "build the front end first (jlpm build:prod)"
    response = await jp_fetch("kfp-notebook", "api", "widget.js", params={"v": digest})
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.body == BUNDLE.read_bytes()
    with pytest.raises(HTTPClientError) as other:
        await jp_fetch("kfp-notebook", "api", "widget.js", params={"v": "0" * 16})
    assert other.value.code == 404
    anonymous = await http_server_client.fetch(
        f"{jp_base_url.rstrip('/')}/kfp-notebook/api/widget.js?v={digest}", raise_error=False
    )
    assert anonymous.code in (401, 403) and b"kfpnb" not in anonymous.body


def _imported_chunks() -> list[str]:
    """The chunk names the bundle imports (`./chunks/NAME.js`, statically or on demand)."""
    return sorted(set(re.findall(r"\./chunks/([A-Za-z0-9_-]+\.js)", BUNDLE.read_text())))


async def test_the_chunks_the_bundle_imports_are_served(
    jp_fetch: Any, http_server_client: Any, jp_base_url: str
) -> None:
    names = _imported_chunks()
    elk = [n for n in names if n.startswith("elk-")]
    assert len(elk) == 1, f"the bundle imports no layout engine chunk: {names}"
    assert (CHUNKS / elk[0]).stat().st_size > 1_000_000  # elkjs, not in widget.js
    assert BUNDLE.stat().st_size < 400_000
    for name in names:
        response = await jp_fetch("kfp-notebook", "api", "chunks", name)
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert "immutable" in response.headers["Cache-Control"]
        assert response.body == (CHUNKS / name).read_bytes()
    for missing in ("elk-NOSUCHCHUNK.js", "..%2Fwidget.js", "widget.js"):
        with pytest.raises(HTTPClientError) as other:
            await jp_fetch("kfp-notebook", "api", "chunks", missing)
        assert other.value.code == 404
    anonymous = await http_server_client.fetch(
        f"{jp_base_url.rstrip('/')}/kfp-notebook/api/chunks/{elk[0]}", raise_error=False
    )
    assert anonymous.code in (401, 403) and anonymous.body != (CHUNKS / elk[0]).read_bytes()


def test_chunk_names_stay_inside_the_chunk_folder() -> None:
    for name in ("../widget.js", "a/b.js", ".js", "elk.bundled.js", "x.css", ""):
        assert chunk_path(name) is None
    assert all(chunk_path(name) == CHUNKS / name for name in _imported_chunks())


def test_the_widget_keeps_the_loader_unless_the_front_end_has_no_server() -> None:
    loader = esm({})
    assert isinstance(loader, str) and bundle_digest() in loader and len(loader) < 5_000
    assert loader == LOADER.replace("@DIGEST@", bundle_digest())
    assert esm({"VSCODE_PID": "1"}) == STANDALONE
    assert esm({"KFP_NOTEBOOK_WIDGET_INLINE": "1"}) == STANDALONE


def test_the_standalone_bundle_is_one_file() -> None:
    """What the kernel sends and the hosts without a server page get: no import of a chunk
    (a module from a blob: URL or a host's own loader cannot fetch one)."""
    source = STANDALONE.read_text()
    assert "./chunks/" not in source and "kfpnb" in source
    assert "org.eclipse.elk" in source and "org.eclipse.elk" not in BUNDLE.read_text()
