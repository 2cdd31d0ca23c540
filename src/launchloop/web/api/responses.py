"""The error answers routes declare in the OpenAPI schema (issue 12: the schema tells the truth).

Every error body is ``{"detail": ...}`` (``web/errors.py``): a string, or for 422 a list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorPublic(BaseModel):
    """An error answer: why the request was refused."""

    detail: Any


def _error(description: str) -> dict[str, Any]:
    # JSON even on routes whose success is text (Markdown, CSV): errors always answer JSON.
    schema = {"$ref": "#/components/schemas/ErrorPublic"}
    return {
        "model": ErrorPublic,
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


#: Errors any authenticated API route may answer.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request"),
    401: _error("No key, or an unknown key"),
    403: _error("The key's role does not allow this"),
    404: _error("Not found in this project"),
    422: _error("Invalid input"),
}

#: Errors of the ingestion endpoints, on top of :data:`ERRORS`.
INGEST_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    413: _error("Body, batch or event above the limits"),
    503: _error("Over capacity: retry after Retry-After seconds"),
    507: _error("The store is full: nothing was acknowledged"),
}

#: A report answered as JSON, Markdown or HTML by its ``format`` parameter.
REPORT_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report in the asked format",
        "content": {
            "application/json": {},
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}
