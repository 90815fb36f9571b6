"""Pydantic shapes of the REST API (the edge: validated in, documented out)."""

from __future__ import annotations

import json
import re
from contextvars import ContextVar
from datetime import date, datetime
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)


class ErrorBody(BaseModel):
    """What every error response carries."""

    code: str
    message: str
    where: str = ""
    hint: str = ""


class ErrorOut(BaseModel):
    """An error response."""

    error: ErrorBody


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _instant(value: Any) -> Any:
    # pydantic would also read numbers ("0") as Unix times and a date alone as midnight; the API says RFC 3339
    if isinstance(value, datetime) or (isinstance(value, str) and _INSTANT.fullmatch(value)):
        return value
    raise ValueError("write a date and time with its offset, e.g. 2026-03-02T10:00:00Z")


def _day(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("write a date as YYYY-MM-DD")


Instant = Annotated[datetime, BeforeValidator(_instant)]
Day = Annotated[date, BeforeValidator(_day)]
# Request numbers and flags are strict: true is not the number 1, "5" is not 5.
Int = StrictInt
Float = StrictFloat
Bool = StrictBool


def nul_at(value: Any, where: str = "") -> str | None:
    """Where (a dotted path) the first NUL character in a JSON-like value is, or None."""
    if isinstance(value, str):
        return (where or "a text field") if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{where}.{k}" if where else str(k)
            if found := nul_at(k, path) or nul_at(v, path):
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            if found := nul_at(v, f"{where}[{i}]"):
                return found
    return None


def _may_hold_nul(data: Any) -> bool:
    # JSON writes a NUL as the escape \u0000: one pass in C rules it out for nearly every body; only a body
    # that may hold one is walked (to name the field)
    try:
        return "\\u0000" in json.dumps(data, default=str)
    except (TypeError, ValueError):
        return True


def refuse_nul(raw: bytes, body: Any) -> None:
    """A body validated as plain data (not ApiIn models) with a NUL character in it: 422 naming the field.

    `raw` is the request's JSON: it can only write a NUL as the escape \\u0000, so a body without that text
    (nearly every one) is not walked.
    """
    if b"\\u0000" in raw and (where := nul_at(body)):
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", where), "msg": "contains a NUL character; remove it"}]
        )


# set while a request body's models are validated inside an outer model whose body was checked for NUL
_CHECKED: ContextVar[bool] = ContextVar("leadflow_api_body_checked", default=False)


class ApiIn(BaseModel):
    """Base of request bodies: unknown fields and NUL characters (which no database stores) are refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _text_is_storable(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        # the whole body is checked once; the models nested in it are inside the checked body
        if _CHECKED.get():
            return handler(data)
        if _may_hold_nul(data) and (where := nul_at(data)):
            raise ValueError(f"{where} contains a NUL character; remove it")
        checked = _CHECKED.set(True)
        try:
            return handler(data)
        finally:
            _CHECKED.reset(checked)


class PersonIn(ApiIn):
    """A new lead."""

    email: str = Field(min_length=3, max_length=320)
    first_name: str | None = Field(None, max_length=120)
    last_name: str | None = Field(None, max_length=120)
    title: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=60)
    country: str | None = Field(None, max_length=80)
    external_id: str | None = Field(None, max_length=120)
    source_channel: str | None = Field(None, max_length=60)
    properties: dict[str, Any] = Field(default_factory=dict)


class PersonPatch(ApiIn):
    """Contact fields to change, guarded by the version you read."""

    version: Int | None = Field(
        None, ge=0, le=2**31, description="The version you read; a stale one gets 409."
    )
    first_name: str | None = Field(None, max_length=120)
    last_name: str | None = Field(None, max_length=120)
    title: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=60)
    country: str | None = Field(None, max_length=80)
    do_not_contact: Bool | None = None
    properties: dict[str, Any] | None = None


class PersonOut(BaseModel):
    """A person as the API returns it."""

    id: int
    email: str | None
    external_id: str | None
    first_name: str | None
    last_name: str | None
    title: str | None
    country: str | None
    account_id: int | None
    persona: str | None
    stage: str
    stage_entered_at: datetime
    owner_id: int | None
    fit_score: float | None
    engagement_score: float | None
    grade: str | None
    created_at: datetime
    version: int
    properties: dict[str, Any]
