"""Who is who: free-mail domains, account segments and personas, as the playbook defines them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadflow.domain.free_mail import free_mail_domains
from leadflow.playbook.schema import Playbook


def email_domain(email: str | None) -> str | None:
    """The part after @, lower case."""
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


@dataclass(frozen=True)
class Identity:
    """The playbook's segments, personas and free-mail list, compiled once per import."""

    free_mail: frozenset[str]
    segments: tuple[tuple[str, float | None, float | None, float | None, float | None], ...]
    personas: tuple[tuple[str, str | None, re.Pattern[str]], ...]

    @classmethod
    def from_playbook(cls, pb: Playbook) -> Identity:
        """Compile the playbook's definitions (built-in free-mail list plus scoring.free_mail_domains)."""
        free = frozenset(free_mail_domains(pb.scoring.free_mail_domains))
        segments = tuple(
            (
                name,
                seg.employees.min if seg.employees else None,
                seg.employees.max if seg.employees else None,
                seg.annual_revenue.min if seg.annual_revenue else None,
                seg.annual_revenue.max if seg.annual_revenue else None,
            )
            for name, seg in pb.segments.items()
        )
        personas = tuple(
            (
                name,
                persona.committee_role,
                re.compile(r"\b(?:" + "|".join(re.escape(k.lower()) for k in persona.title_matches) + r")\b"),
            )
            for name, persona in pb.personas.items()
            if persona.title_matches
        )
        return cls(frozenset(free), segments, personas)

    def is_free_mail(self, domain: str | None) -> bool:
        """Whether the domain is a free-mail provider (never an account's domain)."""
        return domain is not None and domain in self.free_mail

    def segment(self, employees: int | None, annual_revenue: float | None) -> str | None:
        """The first playbook segment whose ranges contain the account (None when nothing is known)."""
        if employees is None and annual_revenue is None:
            return None
        for name, emin, emax, rmin, rmax in self.segments:
            if (emin is not None or emax is not None) and not _within(employees, emin, emax):
                continue
            if (rmin is not None or rmax is not None) and not _within(annual_revenue, rmin, rmax):
                continue
            if emin is None and emax is None and rmin is None and rmax is None:
                continue
            return name
        return None

    def persona(self, title: str | None) -> tuple[str | None, str | None]:
        """(persona, committee_role) of the first persona whose title keywords occur in the title."""
        if not title:
            return None, None
        text = title.lower()
        for name, role, pattern in self.personas:
            if pattern.search(text):
                return name, role
        return None, None


def _within(value: float | None, low: float | None, high: float | None) -> bool:
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)
