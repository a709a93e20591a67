"""What every API route shares: its errors, its JSON answer, the parsing of a query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from collectors.api import wire


class ApiError(Exception):
    """A request the API refuses; becomes a JSON error answer with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, **headers: str) -> web.Response:
    body = wire.dumps(
        {"api": wire.API, "error": {"status": status, "message": wire.clean(message)}}
    )
    return web.Response(status=status, body=body, content_type="application/json", headers=headers)


def json_answer(
    request: web.Request, body: bytes, headers: dict[str, str] | None = None
) -> web.Response:
    response = web.Response(body=body, content_type="application/json", headers=headers)
    if len(body) > 1024 and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.enable_compression()
    return response


def etag(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().removeprefix("W/").strip('"') or None


def required(query: Any, name: str) -> str:
    value = query.get(name)
    if not value:
        raise ApiError(400, f"{name} is required")
    return str(value)


def limit(text: str | None, default: int, most: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or not 0 < int(text) <= most:
        raise ApiError(400, f"limit must be a whole number from 1 to {most}")
    return int(text)


def offset(text: str | None) -> int:
    if text is None:
        return 0
    if not text.isdigit():
        raise ApiError(400, "after must be the next value of a previous page")
    return int(text)


def time_param(query: Any, name: str) -> datetime | None:
    text = query.get(name)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} is not an ISO 8601 time: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
