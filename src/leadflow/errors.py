"""One error root with stable codes, one mapping to HTTP statuses and one to exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LeadflowError(Exception):
    """Base of every error a user can cause or fix: what was wrong, where, and what to do."""

    message: str
    where: str = ""
    hint: str = ""
    code: str = field(default="LF000", init=False)
    http_status: int = field(default=400, init=False)
    exit_code: int = field(default=1, init=False)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def one_line(self) -> str:
        """The message a CLI prints: code, cause, where and what to do."""
        parts = [f"error {self.code}: {self.message}"]
        if self.where:
            parts.append(f"(at {self.where})")
        text = " ".join(parts)
        if self.hint:
            text += f" -- {self.hint}"
        return text

    def to_dict(self) -> dict[str, str]:
        """The JSON body the API returns."""
        return {"code": self.code, "message": self.message, "where": self.where, "hint": self.hint}


@dataclass
class ConfigError(LeadflowError):
    """A setting is missing or wrong."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF001", 500, 2


@dataclass
class PlaybookInvalid(LeadflowError):
    """The playbook has one or more problems; `problems` lists every one."""

    problems: list[object] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF010", 422, 3


@dataclass
class NotFound(LeadflowError):
    """A person, account, user or other record does not exist."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF020", 404, 4


@dataclass
class Conflict(LeadflowError):
    """Someone else changed the record first (stale version) or it already exists."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF030", 409, 5


@dataclass
class TransitionNotAllowed(LeadflowError):
    """The playbook does not allow this move from the current stage, by this actor or without a field."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF040", 409, 6


@dataclass
class InvalidInput(LeadflowError):
    """A value given by the user (argument, field, file row) cannot be used."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF050", 422, 7


@dataclass
class PermissionDenied(LeadflowError):
    """The actor's role may not do this."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF060", 403, 8


@dataclass
class ImportFailed(LeadflowError):
    """An import could not run (unreadable file, strict mode with bad rows)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF070", 422, 9


@dataclass
class ModelError(LeadflowError):
    """Predictive scoring input or model problem (outcome column, too few rows, leakage)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code, self.http_status, self.exit_code = "LF080", 422, 10


ALL_ERRORS: tuple[type[LeadflowError], ...] = (
    ConfigError,
    PlaybookInvalid,
    NotFound,
    Conflict,
    TransitionNotAllowed,
    InvalidInput,
    PermissionDenied,
    ImportFailed,
    ModelError,
)
