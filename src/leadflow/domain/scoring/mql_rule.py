"""The MQL rule: a tiny, safe expression language over fit, engagement and grades (no eval).

    expr  := or ;  or := and ('or' and)* ;  and := not ('and' not)* ;  not := 'not' not | atom
    atom  := '(' expr ')' | 'true' | 'false' | operand OP operand | NAME 'in' '(' literal, ... ')'
    OP    := < <= > >= == = !=        NAME := fit | engagement | fit_grade | engagement_grade | grade

Grades compare by rank: 'A' is better than 'B', so `fit_grade >= 'B'` means B or better. A combined grade
compares on both parts: `grade >= 'B2'` means fit grade B or better and engagement grade 2 or better.
Parsing turns every comparison into rank or number comparisons, so evaluating and translating to SQL are tiny.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from leadflow.domain.scoring.grades import GradeScale

NUMBERS = ("fit", "engagement")
GRADES = ("fit_grade", "engagement_grade", "grade")
Op = Literal["<", "<=", ">", ">=", "==", "!="]
_FLIP: dict[Op, Op] = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op><=|>=|==|!=|<|>|=)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[(),\[\]]))"
)


class MqlRuleError(ValueError):
    """The rule cannot be read: what is wrong and at which character."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class NumberCmp:
    """fit/engagement (or a number) compared with fit/engagement (or a number)."""

    left: str | float
    op: Op
    right: str | float


@dataclass(frozen=True)
class RankCmp:
    """The rank of the fit or engagement grade (0 = best) compared with a rank."""

    part: Literal["fit", "engagement"]
    op: Op
    rank: int


@dataclass(frozen=True)
class BoolOp:
    """and / or over several conditions."""

    kind: Literal["and", "or"]
    items: tuple[Node, ...]


@dataclass(frozen=True)
class NotOp:
    """not a condition."""

    item: Node


@dataclass(frozen=True)
class Const:
    """true or false."""

    value: bool


Node = NumberCmp | RankCmp | BoolOp | NotOp | Const


def _compare(a: float, op: Op, b: float) -> bool:
    match op:
        case "<":
            return a < b
        case "<=":
            return a <= b
        case ">":
            return a > b
        case ">=":
            return a >= b
        case "==":
            return a == b
        case "!=":
            return a != b


def evaluate(node: Node, values: Mapping[str, float]) -> bool:
    """Evaluate with values fit, engagement, fit_rank and engagement_rank."""
    match node:
        case NumberCmp(left, op, right):
            a = values[left] if isinstance(left, str) else left
            b = values[right] if isinstance(right, str) else right
            return _compare(a, op, b)
        case RankCmp(part, op, rank):
            return _compare(values[f"{part}_rank"], op, rank)
        case BoolOp("and", items):
            return all(evaluate(item, values) for item in items)
        case BoolOp(_, items):
            return any(evaluate(item, values) for item in items)
        case NotOp(item):
            return not evaluate(item, values)
        case Const(value):
            return value
    raise AssertionError(node)  # pragma: no cover


@dataclass(frozen=True)
class MqlRule:
    """A parsed MQL rule: its text and its normalized tree."""

    text: str
    tree: Node

    def holds(self, fit: float, engagement: float, fit_rank: int, engagement_rank: int) -> bool:
        """Whether a person with these scores and grade ranks meets the rule."""
        values = {
            "fit": fit,
            "engagement": engagement,
            "fit_rank": float(fit_rank),
            "engagement_rank": float(engagement_rank),
        }
        return evaluate(self.tree, values)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            at = len(text) - len(text[pos:].lstrip())
            raise MqlRuleError(f"unexpected character {text[at]!r}", at)
        kind = m.lastgroup or ""
        out.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str, fit: GradeScale, engagement: GradeScale) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.scales = {"fit": fit, "engagement": engagement}

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise MqlRuleError(f"expected {text!r} but found {tok.text or 'the end'!r}", tok.pos)

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise MqlRuleError(f"unexpected {tok.text!r} (missing 'and' or 'or'?)", tok.pos)
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek().text.lower() == "or":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.peek().text.lower() == "and":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_(self) -> Node:
        if self.peek().text.lower() == "not":
            self.take()
            return NotOp(self.not_())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok.text == "(":
            self.take()
            node = self.or_()
            self.expect(")")
            return node
        if tok.kind == "name" and tok.text.lower() in ("true", "false"):
            self.take()
            return Const(tok.text.lower() == "true")
        left = self.operand()
        op_tok = self.take()
        if op_tok.kind == "name" and op_tok.text.lower() == "in":
            return self.in_list(left, op_tok)
        if op_tok.kind != "op":
            raise MqlRuleError(f"expected a comparison (>=, ==, ...) after {left[1]!r}", op_tok.pos)
        op: Op = "==" if op_tok.text == "=" else op_tok.text  # type: ignore[assignment]
        right = self.operand()
        return self.comparison(left, op, right, op_tok.pos)

    def operand(self) -> tuple[str, str | float, int]:
        tok = self.take()
        if tok.kind == "num":
            return ("num", float(tok.text), tok.pos)
        if tok.kind == "str":
            return ("str", tok.text[1:-1], tok.pos)
        if tok.kind == "name":
            name = tok.text.lower()
            if name in NUMBERS or name in GRADES:
                return ("name", name, tok.pos)
            raise MqlRuleError(f"unknown name {tok.text!r}; use {', '.join(NUMBERS + GRADES)}", tok.pos)
        raise MqlRuleError(f"expected a name, number or 'grade' but found {tok.text or 'the end'!r}", tok.pos)

    def in_list(self, left: tuple[str, str | float, int], op_tok: _Tok) -> Node:
        opener = self.take()
        if opener.text not in ("(", "["):
            raise MqlRuleError("write `in (...)` with a list of values", opener.pos)
        closer = ")" if opener.text == "(" else "]"
        items: list[Node] = []
        while True:
            item = self.operand()
            items.append(self.comparison(left, "==", item, op_tok.pos))
            tok = self.take()
            if tok.text == closer:
                break
            if tok.text != ",":
                raise MqlRuleError(f"expected ',' or {closer!r} in the list", tok.pos)
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def comparison(
        self, left: tuple[str, str | float, int], op: Op, right: tuple[str, str | float, int], pos: int
    ) -> Node:
        if left[0] != "name" and right[0] == "name":
            left, right, op = right, left, _FLIP[op]
        if left[0] != "name":
            raise MqlRuleError("a comparison needs fit, engagement or a grade on one side", pos)
        name = str(left[1])
        if name in NUMBERS:
            if right[0] == "str" or (right[0] == "name" and right[1] not in NUMBERS):
                raise MqlRuleError(
                    f"{name} is a number; compare it with a number, e.g. {name} >= 40", right[2]
                )
            return NumberCmp(name, op, right[1])
        if right[0] == "name":
            raise MqlRuleError(f"compare {name} with a grade in quotes, e.g. {name} >= 'B'", right[2])
        value = str(int(right[1])) if isinstance(right[1], float) and right[1].is_integer() else str(right[1])
        if name == "grade":
            return self.grade_pair(value, op, right[2])
        part: Literal["fit", "engagement"] = "fit" if name == "fit_grade" else "engagement"
        return RankCmp(part, _rank_op(op), self.rank(part, value, right[2]))

    def rank(self, part: Literal["fit", "engagement"], value: str, pos: int) -> int:
        scale = self.scales[part]
        try:
            return scale.rank(value)
        except ValueError:
            raise MqlRuleError(
                f"{value!r} is not a {part} grade; the grades are {', '.join(scale.all_names())}", pos
            ) from None

    def grade_pair(self, value: str, op: Op, pos: int) -> Node:
        fit_names = sorted(self.scales["fit"].all_names(), key=len, reverse=True)
        fit_part = next((n for n in fit_names if value.startswith(n)), None)
        if fit_part is None:
            raise MqlRuleError(
                f"{value!r} is not a grade such as 'A1' (fit grade then engagement grade)", pos
            )
        f = self.rank("fit", fit_part, pos)
        e = self.rank("engagement", value[len(fit_part) :], pos)
        both_eq = BoolOp("and", (RankCmp("fit", "==", f), RankCmp("engagement", "==", e)))
        match op:
            case "==":
                return both_eq
            case "!=":
                return NotOp(both_eq)
            case ">=" | "<=":
                rop = _rank_op(op)
                return BoolOp("and", (RankCmp("fit", rop, f), RankCmp("engagement", rop, e)))
            case ">" | "<":
                rop = _rank_op(">=" if op == ">" else "<=")
                return BoolOp("and", (RankCmp("fit", rop, f), RankCmp("engagement", rop, e), NotOp(both_eq)))


def _rank_op(op: Op) -> Op:
    """A better grade has a smaller rank, so grade comparisons flip into rank comparisons."""
    return _FLIP[op]


def parse_mql_rule(text: str, fit: GradeScale, engagement: GradeScale) -> MqlRule:
    """Parse the MQL rule against the playbook's grade scales; MqlRuleError says what and where."""
    if not text.strip():
        raise MqlRuleError("the MQL rule is empty", 0)
    return MqlRule(text, _Parser(text, fit, engagement).parse())
