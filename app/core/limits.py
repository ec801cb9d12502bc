"""A pure ASGI middleware that refuses request bodies over the limit (413)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response


class _TooLargeError(Exception):
    pass


class BodySizeLimit:
    """Refuse bodies larger than `max_bytes`, by Content-Length or while streaming.

    Installed inside CORS, so that a browser can read the 413. A chunked body (no
    Content-Length) is counted as it arrives; once over the limit, whatever the application
    makes of the interrupted read (FastAPI answers 400 "error parsing the body") is replaced
    by the 413, as long as no response has started.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunked = False
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._refuse(scope, receive, send)
                    return
            elif name == b"transfer-encoding":
                chunked = True
        if not chunked:
            # the server reads at most Content-Length bytes, and without it and without
            # chunking there is no body: nothing to count (most requests: a GET)
            await self.app(scope, receive, send)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the application's answer to the cut-off body: the 413 replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not exceeded:  # anything else the application raised is not ours to answer
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "payload-too-large", f"The request body is larger than {self.max_bytes} bytes."
        )
        await response(scope, receive, send)
