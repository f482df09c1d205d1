"""ASGI middleware for the tus routes: `X-HTTP-Method-Override` applied before routing and auth,
and `Tus-Resumable` on every response except OPTIONS (error responses included)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roughy.uploads.errors import TUS_VERSION

TUS_PATH_PREFIXES = ("/v1/uploads", "/api/v1/assets/upload-resumable")
OVERRIDABLE = frozenset({"PATCH", "DELETE", "HEAD", "OPTIONS", "GET", "POST"})
_TUS_RESUMABLE = b"tus-resumable"


class TusMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(TUS_PATH_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        override = headers.get(b"x-http-method-override", b"").decode("latin-1").strip().upper()
        if override in OVERRIDABLE:
            scope = dict(scope, method=override)
        if scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                if not any(name.lower() == _TUS_RESUMABLE for name, _ in out):
                    out.append((_TUS_RESUMABLE, TUS_VERSION.encode()))
                message["headers"] = out
            await send(message)

        await self.app(scope, receive, send_with_version)
