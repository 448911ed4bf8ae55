"""The server extension serves the run widget's bundle to the loader a saved notebook keeps:
only the version the loader asks for (by digest), only to an authenticated page."""

from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from kfp_notebook._notebook.widget_code import LOADER, esm
from kfp_notebook._views.widget_bundle import BUNDLE, bundle_digest

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


def test_the_widget_keeps_the_loader_unless_the_front_end_has_no_server() -> None:
    loader = esm({})
    assert isinstance(loader, str) and bundle_digest() in loader and len(loader) < 5_000
    assert loader == LOADER.replace("@DIGEST@", bundle_digest())
    assert esm({"VSCODE_PID": "1"}) == BUNDLE
    assert esm({"KFP_NOTEBOOK_WIDGET_INLINE": "1"}) == BUNDLE
