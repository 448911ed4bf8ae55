"""The run widget's front-end bundle and its chunks, for the loader a notebook keeps instead of
the bundle (so a saved notebook stays small). The bundle is served only when the digest asked
for is this server's; a chunk's name carries its content's hash."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._views.widget_bundle import BUNDLE, bundle_digest, chunk_path

__all__ = ["WidgetBundleHandler", "WidgetChunkHandler"]

_IMMUTABLE = "private, max-age=31536000, immutable"
_JAVASCRIPT = "text/javascript; charset=utf-8"


class WidgetBundleHandler(BaseHandler):
    """`GET widget.js?v=DIGEST`: the bundle, cacheable for good (the digest names its version);
    404 when this server holds another version (the loader then asks its kernel)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        digest = bundle_digest()
        if not digest or self.get_query_argument("v", "") != digest:
            raise self.fail(404, "this server holds another version of the widget bundle")
        self.set_header("Cache-Control", _IMMUTABLE)
        self.finish(BUNDLE.read_bytes(), set_content_type=_JAVASCRIPT)


class WidgetChunkHandler(BaseHandler):
    """`GET chunks/NAME.js`: a chunk the bundle imports (`elk-HASH.js`, the layout engine, on
    the graph's first layout), cacheable for good (its name carries its content's hash)."""

    @web.authenticated
    @authorized
    def get(self, name: str) -> None:
        path = chunk_path(name)
        if path is None:
            raise self.fail(404, "no such chunk of the widget bundle")
        self.set_header("Cache-Control", _IMMUTABLE)
        self.finish(path.read_bytes(), set_content_type=_JAVASCRIPT)
