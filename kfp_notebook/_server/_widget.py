"""The run widget's front-end bundle, for the loader a notebook keeps instead of the bundle
(so a saved notebook stays small). Served only when the digest asked for is this server's."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from kfp_notebook._server._handlers import BaseHandler
from kfp_notebook._views.widget_bundle import BUNDLE, bundle_digest

__all__ = ["WidgetBundleHandler"]


class WidgetBundleHandler(BaseHandler):
    """`GET widget.js?v=DIGEST`: the bundle, cacheable for good (the digest names its version);
    404 when this server holds another version (the loader then asks its kernel)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        digest = bundle_digest()
        if not digest or self.get_query_argument("v", "") != digest:
            raise self.fail(404, "this server holds another version of the widget bundle")
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        self.finish(BUNDLE.read_bytes(), set_content_type="text/javascript; charset=utf-8")
