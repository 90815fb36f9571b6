"""Stage progression with known probabilities and durations: one vectorised step per stage."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from leadflow.simulate.config import CHANNELS, SimConfig

DAY = 86_400.0
STAGES = ("lead", "mql", "sal", "sql", "opportunity", "customer", "recycled", "disqualified")
LEAD, MQL, SAL, SQL, OPP, CUSTOMER, RECYCLED, DISQUALIFIED = range(8)
# Transition names as the default playbook declares them (stage_changes.transition).
MOVES = (
    "create",
    "qualify_mql",
    "accept",
    "prospect",
    "recycle",
    "disqualify",
    "qualify",
    "convert",
    "won",
    "lost",
    "remql",
)
CREATE, QUALIFY_MQL, ACCEPT, PROSPECT, RECYCLE, DISQ, QUALIFY, CONVERT, WON, LOST, REMQL = range(11)
ROLES = ("system", "sales", "marketing")
SYSTEM, SALES, MARKETING = range(3)


@dataclass
class ChangeLog:
    """Stage changes collected as column chunks; reason codes index `reasons` (-1 = none)."""

    chunks: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        person: np.ndarray,
        from_stage: int,
        to_stage: np.ndarray | int,
        at: np.ndarray,
        move: np.ndarray | int,
        actor: np.ndarray | int,
        role: int,
        reason: np.ndarray | int = -1,
        opp: np.ndarray | int = 0,
    ) -> None:
        """Append one step's rows (scalars are broadcast)."""
        n = len(person)
        if n == 0:
            return

        def col(v: np.ndarray | int, dtype: type) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()

        self.chunks.append(
            {
                "person": person.astype(np.int64),
                "from": col(from_stage, np.int8),
                "to": col(to_stage, np.int8),
                "at": at.astype(np.int64),
                "move": col(move, np.int8),
                "actor": col(actor, np.int64),
                "role": col(role, np.int8),
                "reason": col(reason, np.int16),
                "opp": col(opp, np.int64),
            }
        )

    def columns(self) -> dict[str, np.ndarray]:
        """Every row, sorted by time (then person), as numpy columns."""
        keys = self.chunks[0].keys()
        cols = {k: np.concatenate([c[k] for c in self.chunks]) for k in keys}
        order = np.lexsort((cols["person"], cols["at"]))
        return {k: v[order] for k, v in cols.items()}


@dataclass
class FunnelState:
    """What the funnel decided: history, opportunities, and per-person facts the activities need."""

    log: ChangeLog
    reasons: list[str]
    first_mql: np.ndarray  # seconds, or -1
    first_sal: np.ndarray
    exit_at: np.ndarray  # last stage change out of the active funnel (customer/recycled/dq), or -1
    mql_window_end: np.ndarray  # when the lead->mql decision falls (drawn for everyone; for assists)
    assists: np.ndarray  # bool [person, assist channel]
    assist_channels: list[str]
    owner: np.ndarray  # user id, 0 = none
    assigned_at: np.ndarray
    opp_person: list[np.ndarray] = field(default_factory=list)
    opp_created: list[np.ndarray] = field(default_factory=list)
    opp_status: list[np.ndarray] = field(default_factory=list)  # 0 open, 1 won, 2 lost
    opp_closed: list[np.ndarray] = field(default_factory=list)
    opp_amount: list[np.ndarray] = field(default_factory=list)
    opp_lost_reason: list[np.ndarray] = field(default_factory=list)
    person_p: dict[str, np.ndarray] = field(default_factory=dict)


class Funnel:
    """Runs the persons through the stages; every probability comes from cfg.params (the ground truth)."""

    def __init__(
        self,
        cfg: SimConfig,
        rng: np.random.Generator,
        seg: np.ndarray,
        channel: np.ndarray,
        student: np.ndarray,
        created: np.ndarray,
        owner: np.ndarray,
        marketing_users: np.ndarray,
        recycle_reasons: list[str],
        disqualify_reasons: list[str],
        lost_reasons: list[str],
        fit_effect: np.ndarray | None = None,
    ) -> None:
        self.cfg, self.rng, self.p = cfg, rng, cfg.params
        self.seg, self.channel, self.student, self.created = seg, channel, student, created
        self.account_owner, self.marketing_users = owner, marketing_users
        self.end = int(cfg.end.timestamp())
        self.fit_effect = np.ones(len(seg)) if fit_effect is None else fit_effect
        self.reasons = [*recycle_reasons, *disqualify_reasons, *lost_reasons]
        self.n_recycle, self.n_dq = len(recycle_reasons), len(disqualify_reasons)
        self.dq_codes = np.array(
            [len(recycle_reasons) + i for i, r in enumerate(disqualify_reasons) if r != "student"]
        )
        self.student_code = (
            len(recycle_reasons) + disqualify_reasons.index("student")
            if "student" in disqualify_reasons
            else -1
        )
        self.lost_offset = len(recycle_reasons) + len(disqualify_reasons)
        self.n_lost = len(lost_reasons)

    # -- the known parameters, per person ------------------------------------------------------------
    def rate(self, name: str, who: np.ndarray) -> np.ndarray:
        """The probability of transition `name` for each person (capped at params.max_rate)."""
        base = np.array(self.p.base_rate[name])[self.seg[who]]
        table = self.p.channel_mql_effect if name == "lead_mql" else self.p.channel_downstream_effect
        effect = (
            np.array([table[c] for c in CHANNELS])
            if name not in ("recycled_mql", "lead_sal")
            else np.ones(len(CHANNELS))
        )
        rate: np.ndarray = np.minimum(base * effect[self.channel[who]], self.p.max_rate)
        return rate

    def duration(self, name: str, who: np.ndarray) -> np.ndarray:
        """Seconds to the decision: lognormal around the cell median, clipped at +-clip_z sigmas."""
        speed = np.array([1.0 if name == "recycled_mql" else self.p.channel_speed[c] for c in CHANNELS])
        median = np.array(self.p.median_days[name])[self.seg[who]] * speed[self.channel[who]]
        z = np.clip(self.rng.standard_normal(len(who)), -self.p.clip_z, self.p.clip_z)
        if name == "recycled_mql":  # the cool-down, then a lognormal wait: the median stays median_days
            cool = self.p.cool_down_days
            waits: np.ndarray = (cool + (median - cool) * np.exp(self.p.sigma * z)) * DAY
            return waits
        seconds: np.ndarray = median * np.exp(self.p.sigma * z) * DAY
        return seconds

    # -- the run ----------------------------------------------------------------------------------------
    def run(self) -> FunnelState:
        """Simulate every person from creation to their stage at the end of the window."""
        n, rng = len(self.seg), self.rng
        log = ChangeLog()
        everyone = np.arange(n)
        log.add(everyone, -1, LEAD, self.created, CREATE, 0, SYSTEM)
        assist_ch = list(self.p.assist_share)
        assists = rng.random((n, len(assist_ch))) < np.array([self.p.assist_share[c] for c in assist_ch])
        lift = np.prod(np.where(assists, np.array([self.p.assist_lift[c] for c in assist_ch]), 1.0), axis=1)
        st = FunnelState(
            log,
            self.reasons,
            np.full(n, -1, np.int64),
            np.full(n, -1, np.int64),
            np.full(n, -1, np.int64),
            np.zeros(n, np.int64),
            assists,
            assist_ch,
            np.zeros(n, np.int64),
            np.full(n, -1, np.int64),
        )
        outbound = self.channel == CHANNELS.index("outbound")
        st.owner[outbound] = self.account_owner[outbound]
        st.assigned_at[outbound] = self.created[outbound]
        # lead -> mql (marketing-sourced, not students); students are mostly disqualified by marketing.
        marketing = np.flatnonzero(~outbound & ~self.student)
        p_mql = np.minimum(
            self.rate("lead_mql", marketing) * self.fit_effect[marketing] * lift[marketing], 1.0
        )
        st.person_p["lead_mql"] = np.zeros(n)
        st.person_p["lead_mql"][marketing] = p_mql
        t = self.created[marketing] + self.duration("lead_mql", marketing).astype(np.int64)
        st.mql_window_end[marketing] = t
        ok = (rng.random(len(marketing)) < p_mql) & (t < self.end)
        mql_who, mql_at = marketing[ok], t[ok]
        log.add(mql_who, LEAD, MQL, mql_at, QUALIFY_MQL, 0, SYSTEM)
        studs = np.flatnonzero(self.student)
        ts_ = self.created[studs] + (3 * DAY * np.exp(self.p.sigma * rng.standard_normal(len(studs)))).astype(
            np.int64
        )
        st.mql_window_end[studs] = ts_
        st.mql_window_end[outbound] = self.created[outbound] + 14 * int(DAY)
        dq = (rng.random(len(studs)) < self.p.student_disqualify_rate) & (ts_ < self.end)
        log.add(
            studs[dq],
            LEAD,
            DISQUALIFIED,
            ts_[dq],
            DISQ,
            rng.choice(self.marketing_users, int(dq.sum())),
            MARKETING,
            self.student_code,
        )
        st.exit_at[studs[dq]] = ts_[dq]
        # outbound persons: a rep prospects them straight to SAL (skipping MQL), or they stay leads.
        ob = np.flatnonzero(outbound & ~self.student)
        t = self.created[ob] + self.duration("lead_sal", ob).astype(np.int64)
        ok = (rng.random(len(ob)) < self.rate("lead_sal", ob)) & (t < self.end)
        sal_who, sal_at = ob[ok], t[ok]
        log.add(sal_who, LEAD, SAL, sal_at, PROSPECT, self.account_owner[sal_who], SALES)
        for round_no in range(self.p.max_rounds):
            mql_who, mql_at, sal_who, sal_at = self._round(st, mql_who, mql_at, sal_who, sal_at, round_no)
        return st

    def _decide(
        self, name: str, who: np.ndarray, at: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(advances, decided before the end, decision time) for people entering the from-stage at `at`."""
        t = at + self.duration(name, who).astype(np.int64)
        advances = self.rng.random(len(who)) < self.rate(name, who)
        return advances, t < self.end, t

    def _fall_out(
        self, st: FunnelState, who: np.ndarray, frm: int, at: np.ndarray, actor: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reject to recycled or disqualified (with an agreed reason); returns who was recycled."""
        dq = self.rng.random(len(who)) < np.array(self.p.disqualify_share)[self.seg[who]]
        rec_reason = self.rng.integers(0, self.n_recycle, len(who))
        dq_reason = self.dq_codes[self.rng.integers(0, len(self.dq_codes), len(who))]
        st.log.add(who[dq], frm, DISQUALIFIED, at[dq], DISQ, actor[dq], SALES, dq_reason[dq])
        st.log.add(who[~dq], frm, RECYCLED, at[~dq], RECYCLE, actor[~dq], SALES, rec_reason[~dq])
        st.exit_at[who] = at
        return who[~dq], at[~dq]

    def _round(
        self,
        st: FunnelState,
        mql_who: np.ndarray,
        mql_at: np.ndarray,
        sal_who: np.ndarray,
        sal_at: np.ndarray,
        round_no: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One trip through mql -> ... -> won/lost/recycled; returns who re-enters MQL (and no new SAL)."""
        rng = self.rng
        first = st.first_mql[mql_who] < 0
        st.first_mql[mql_who[first]] = mql_at[first]
        new_owner = st.owner[mql_who] == 0
        st.owner[mql_who[new_owner]] = self.account_owner[mql_who[new_owner]]
        st.assigned_at[mql_who[new_owner]] = mql_at[new_owner]
        recycled: list[tuple[np.ndarray, np.ndarray]] = []
        # mql -> sal (accept) or rejected
        adv, done, t = self._decide("mql_sal", mql_who, mql_at)
        owner = st.owner[mql_who]
        acc = adv & done
        st.log.add(mql_who[acc], MQL, SAL, t[acc], ACCEPT, owner[acc], SALES)
        recycled.append(self._fall_out(st, mql_who[~adv & done], MQL, t[~adv & done], owner[~adv & done]))
        sal_who, sal_at = np.concatenate([sal_who, mql_who[acc]]), np.concatenate([sal_at, t[acc]])
        first = st.first_sal[sal_who] < 0
        st.first_sal[sal_who[first]] = sal_at[first]
        # sal -> sql (qualify, BANT) or rejected
        adv, done, t = self._decide("sal_sql", sal_who, sal_at)
        owner = st.owner[sal_who]
        ok = adv & done
        st.log.add(sal_who[ok], SAL, SQL, t[ok], QUALIFY, owner[ok], SALES)
        recycled.append(self._fall_out(st, sal_who[~adv & done], SAL, t[~adv & done], owner[~adv & done]))
        sql_who, sql_at = sal_who[ok], t[ok]
        # sql -> opportunity (convert, amount) or rejected
        adv, done, t = self._decide("sql_opportunity", sql_who, sql_at)
        owner = st.owner[sql_who]
        ok = adv & done
        opp_who, opp_at = sql_who[ok], t[ok]
        base_opp = sum(len(x) for x in st.opp_person)
        opp_ids = base_opp + 1 + np.arange(len(opp_who), dtype=np.int64)
        st.log.add(opp_who, SQL, OPP, opp_at, CONVERT, owner[ok], SALES, -1, opp_ids)
        recycled.append(self._fall_out(st, sql_who[~adv & done], SQL, t[~adv & done], owner[~adv & done]))
        # opportunity -> customer (won) or recycled (lost, with a lost reason); open when undecided
        adv, done, t = self._decide("opportunity_customer", opp_who, opp_at)
        owner = st.owner[opp_who]
        won, lost = adv & done, ~adv & done
        st.log.add(opp_who[won], OPP, CUSTOMER, t[won], WON, owner[won], SALES, -1, opp_ids[won])
        lost_reason = self.lost_offset + rng.integers(0, self.n_lost, len(opp_who))
        st.log.add(
            opp_who[lost], OPP, RECYCLED, t[lost], LOST, owner[lost], SALES, lost_reason[lost], opp_ids[lost]
        )
        st.exit_at[opp_who[done]] = t[done]
        median = np.array(self.p.deal_median)[self.seg[opp_who]]
        st.opp_person.append(opp_who)
        st.opp_created.append(opp_at)
        st.opp_status.append(np.where(won, 1, np.where(lost, 2, 0)).astype(np.int8))
        st.opp_closed.append(np.where(done, t, -1))
        st.opp_amount.append(np.round(median * rng.lognormal(0.0, self.p.deal_sigma, len(opp_who)), -2))
        st.opp_lost_reason.append(np.where(lost, lost_reason, -1))
        recycled.append((opp_who[lost], t[lost]))
        # recycled -> mql again after the cool-down, for some
        rec_who = np.concatenate([r[0] for r in recycled])
        rec_at = np.concatenate([r[1] for r in recycled])
        adv, done, t = self._decide("recycled_mql", rec_who, rec_at)
        ok = adv & done & (round_no + 1 < self.p.max_rounds)
        st.log.add(rec_who[ok], RECYCLED, MQL, t[ok], REMQL, 0, SYSTEM)
        return rec_who[ok], t[ok], np.zeros(0, np.int64), np.zeros(0, np.int64)
