"""A lean HTTP/1.1 keep-alive client over asyncio streams, for the load generators.

httpx costs ~0.5 ms of client CPU per request; on this 2-core machine that CPU is taken from the
server being measured. Raw requests cost ~10x less. Enough HTTP for our own server: requests
with a body and a Content-Length, answers with a Content-Length (uvicorn's JSON and HTML).
"""

from __future__ import annotations

import asyncio


class Connection:
    """One keep-alive connection to ``host:port``; reopened after an error."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and read its answer: status, lower-cased headers, body.

        :raises OSError: or ``asyncio.IncompleteReadError`` when the connection fails; call
            :meth:`close` and retry.
        """
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nhost: {self.host}\r\n{self.extra}"
        if body or method == "POST":
            head += f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        answer = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), headers, answer

    def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


FAILURES = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)
