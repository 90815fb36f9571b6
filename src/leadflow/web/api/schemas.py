"""Pydantic shapes of the REST API (the edge: validated in, documented out)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
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


def _no_nul(value: Any, where: str = "") -> None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{where or 'a text field'} contains a NUL character; remove it")
    if isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k, f"{where}.{k}")
            _no_nul(v, f"{where}.{k}")
    if isinstance(value, list):
        for i, v in enumerate(value):
            _no_nul(v, f"{where}[{i}]")


class ApiIn(BaseModel):
    """Base of request bodies: unknown fields and NUL characters (which no database stores) are refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _text_is_storable(cls, data: Any) -> Any:
        # JSON writes a NUL as the escape \u0000: one pass in C rules it out for nearly every body; only a body
        # that may hold one is walked (to name the field)
        try:
            clean = "\\u0000" not in json.dumps(data, default=str)
        except (TypeError, ValueError):
            clean = False
        if not clean:
            _no_nul(data)
        return data


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
