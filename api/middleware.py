"""What every HTTP exchange goes through, outermost first (``api.app`` stacks them):

- ``SecurityHeaders``: nosniff and no referrer on every response; a CSP everywhere (the
  page and the docs set their own; anything else may load nothing), and frames only
  from the origins an operator allows.
- CORS (Starlette's), only when an operator lists origins; GZip (Starlette's).
- ``RequestLimits``: a body over the limit is refused with 413 before it is read (or as
  soon as it passes the limit, when no length is declared); a body that is not JSON
  with 415, so that no other site's plain form can post to the API.
- ``Conditional``: HEAD is answered as GET without the body; every successful GET gets
  an ETag (a weak one from its bytes, unless the route set its own) and Cache-Control,
  and a matching If-None-Match gets 304.
"""

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response

from api.errors import ApiError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 256 * 1024
"""The largest request body, in bytes: a plan request of 50 goals and 500 known ids
of 100 characters each is about 60 KB."""
NO_CONTENT = "default-src 'none'; frame-ancestors 'none'; sandbox"
"""The CSP of anything that is not a page: JSON, SVG (opened on its own, it can run no
script), exports."""
GET_CACHE = "public, max-age=300"
"""GETs answer from the graph, which changes only with a deploy: a CDN may keep them for
five minutes, and revalidates with the ETag after that."""


async def _send_error(scope: Scope, receive: Receive, send: Send, error: ApiError) -> None:
    """``error`` in the API's JSON, then the connection closed (its body may be unread)."""
    from api.exports.formats import json_bytes  # orjson, as every other answer

    response = Response(
        json_bytes(error.body()),
        status_code=error.status,
        media_type="application/json",
        headers={"connection": "close"},
    )
    await response(scope, receive, send)


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON: application/json or application/*+json."""
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestLimits:
    """Refuses bodies over ``max_body`` bytes (413) and bodies that are not JSON (415).

    Not Starlette's RequestBodyLimitMiddleware (FastAPI's ``max_body_size``): that one
    answers in plain text or as ``{"detail": ...}``, not in the API's error shape.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        content_type = headers.get("content-type")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _send_error(scope, receive, send, self._too_large())
            return
        has_body = chunked or (declared is not None and int(declared) > 0)
        if has_body and not is_json(content_type):
            await _send_error(scope, receive, send, self._not_json(content_type))
            return
        if scope["method"] == "POST" and not has_body and scope["path"] in JSON_BODY_PATHS:
            await _send_error(scope, receive, send, self._not_json(content_type))
            return
        # Read the whole body now (it is small) so that a chunked one is cut off at the limit.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _send_error(scope, receive, send, self._too_large())
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> ApiError:
        return ApiError(
            413,
            "body-too-large",
            f"the request body is larger than {self.max_body:,} bytes; a plan request needs "
            "far less (at most 50 goals and 500 known ids)",
            "body",
        )

    @staticmethod
    def _not_json(content_type: str | None) -> ApiError:
        return ApiError(
            415,
            "unsupported-media-type",
            "send the body as JSON with Content-Type: application/json",
            "content-type",
            value=content_type,
        )


JSON_BODY_PATHS = frozenset({"/v1/plans", "/v1/plans/graph"})
"""The routes whose body is required: an empty POST to them without JSON is refused too."""


def parse_if_none_match(header: str) -> list[str] | None:
    """The entity tags of an If-None-Match header, without W/; None for ``*`` (any).

    >>> parse_if_none_match('W/"a", "b"')
    ['"a"', '"b"']
    """
    if header.strip() == "*":
        return None
    tags = []
    for part in header.split(","):
        tag = part.strip()
        tag = tag[2:] if tag.startswith("W/") else tag
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tags.append(tag)
    return tags


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether If-None-Match ``header`` names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if header is None:
        return False
    tags = parse_if_none_match(header)
    bare = etag[2:] if etag.startswith("W/") else etag
    return tags is None or bare in tags


class Conditional:
    """HEAD as GET without the body; ETag, Cache-Control and 304 for successful GETs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope)
            scope["method"] = "GET"
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(scope, send, start, b"".join(chunks), head)

        await self.app(scope, receive, buffered)

    @staticmethod
    async def _finish(scope: Scope, send: Send, start: Message, body: bytes, head: bool) -> None:
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        names = {k.lower() for k, _ in headers}
        status = start["status"]
        no_store = any(k.lower() == b"cache-control" and b"no-store" in v for k, v in headers)
        if status == 200 and not no_store:  # /metrics, say, changes with every request
            etag = next((v.decode() for k, v in headers if k.lower() == b"etag"), None)
            if etag is None:
                etag = 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
                headers.append((b"etag", etag.encode()))
            if b"cache-control" not in names:
                headers.append((b"cache-control", GET_CACHE.encode()))
            if etag_matches(Headers(scope=scope).get("if-none-match"), etag):
                # What a cache merges into the response it holds: the validators, and the
                # CSP, which must stay the one the full response had.
                kept = {b"etag", b"cache-control", b"vary", b"content-location", b"expires"}
                kept.add(b"content-security-policy")
                headers = [(k, v) for k, v in headers if k.lower() in kept]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        elif status >= 400 and b"cache-control" not in names:
            headers.append((b"cache-control", b"no-store"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})


class SecurityHeaders:
    """nosniff, no referrer and a CSP on every response; frames only from ``frame_origins``."""

    def __init__(self, app: ASGIApp, frame_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        ancestors = " ".join(("'self'", *frame_origins)) if frame_origins else "'none'"
        self.frame_ancestors = f"frame-ancestors {ancestors}"
        self.frame_origins = frame_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {k.lower() for k, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                if b"referrer-policy" not in names:
                    headers.append((b"referrer-policy", b"no-referrer"))
                csp = next(
                    (v.decode() for k, v in headers if k.lower() == b"content-security-policy"),
                    None,
                )
                if csp is None and message["status"] != 304:  # a cache would merge it in
                    headers.append((b"content-security-policy", NO_CONTENT.encode()))
                elif csp is not None and self.frame_origins:  # let the platforms frame a page
                    headers = [
                        (k, self._with_frames(v.decode()).encode())
                        if k.lower() == b"content-security-policy"
                        else (k, v)
                        for k, v in headers
                    ]
                if not self.frame_origins:
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)

    def _with_frames(self, csp: str) -> str:
        kept = [d for d in csp.split(";") if not d.strip().startswith("frame-ancestors")]
        return "; ".join([*(d.strip() for d in kept if d.strip()), self.frame_ancestors])
