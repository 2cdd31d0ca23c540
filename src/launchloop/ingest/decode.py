"""Request bodies as SDKs send them: JSON, gzip (by magic bytes), base64, form ``data=``."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Any
from urllib.parse import parse_qs

import orjson

from launchloop.errors import InvalidInput, TooLarge

GZIP_MAGIC = b"\x1f\x8b"


def decode_body(body: bytes, *, limit: int) -> Any:
    """The JSON value in a request body, however an SDK wrapped it.

    :param limit: largest accepted size, after decompression (raises TooLarge above it).
    """
    if len(body) > limit:
        raise TooLarge(f"body is {len(body)} bytes, over the limit of {limit}")
    if body.startswith(GZIP_MAGIC):
        body = _gunzip(body, limit)
    stripped = body.strip().removeprefix(b"\xef\xbb\xbf")
    if stripped[:1] in (b"{", b"["):
        return _json(stripped)
    if stripped.startswith(b"data=") or b"&data=" in stripped:
        return decode_body(_form_data(stripped), limit=limit)
    try:
        decoded = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("body", "is neither JSON, gzip, base64 nor form data") from None
    if not decoded:
        raise InvalidInput("body", "is empty")
    return decode_body(decoded, limit=limit)


def _gunzip(body: bytes, limit: int) -> bytes:
    """Inflate every gzip member (concatenated members are one valid gzip stream)."""
    out, rest = bytearray(), body
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as error:
            raise InvalidInput("body", f"is not valid gzip ({error})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise TooLarge(f"body is over the limit of {limit} bytes once decompressed")
        if not inflater.eof:
            raise InvalidInput("body", "is truncated gzip")
        rest = inflater.unused_data
        if rest and not rest.startswith(GZIP_MAGIC):
            if rest.strip(b"\x00"):  # gzip(1) tolerates zero padding, nothing else
                raise InvalidInput("body", "has bytes after its gzip stream")
            break
    return bytes(out)


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput("body", f"is not valid JSON ({error})") from None


def _form_data(body: bytes) -> bytes:
    # Percent-escapes carry UTF-8 (posthog-js sends ``data=encodeURIComponent(json)`` when it
    # does not base64): decode them as UTF-8 and hand the JSON on as UTF-8 bytes.
    try:
        values = parse_qs(body.decode("ascii"), errors="strict").get("data")
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("body", "form body is not valid URL-encoded UTF-8") from None
    if not values:
        raise InvalidInput("body", "form body without a data field")
    value = values[0].strip()
    if value[:1] not in ("{", "["):
        # Base64 has no spaces: a space is a "+" that the sender did not percent-encode.
        value = value.replace(" ", "+")
    return value.encode("utf-8")
