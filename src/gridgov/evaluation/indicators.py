"""The 数字城管 indicators: counts per unit and period, and the rates built from them (pure).

Counts are computed in the database from case events (``repository.py``); this module only defines them
and turns them into rates, each with its numerator and denominator, under a *rule set* that says which
counts leave which denominators (e.g. 金华: 缓办 cases leave the denominator of 结案率 and 按期结案率).

Definitions, for a period P = [start, end) and the events of a case before ``end``:

* 受理数 received — cases reported in P. 立案数 filed — cases filed (立案) in P; 按时立案数 — of those, no
  overdue escalation while waiting to be filed. 监督举报核实数 — filed cases that came from the public
  (Open311, hotline imports: a configured list of sources).
* 派遣数 dispatched — cases dispatched in P; 准确派遣数 — of those, not returned (退回) after their first
  dispatch in P; 退回数 — the others.
* 应处置数 due_handle — cases waiting for handling (已派遣/处置中) at the start of P or sent there during P
  (dispatch, rework, resume); 处置数 — of those, handled (final feedback) in P; 按期处置数 — handled without
  ever having run past a handling deadline (the overdue sweep records each missed deadline as an event);
  延期数 — extension approved in P; 超期待处置数 — still waiting at the end of P after a missed deadline.
* 应结案数 due_close — cases open after filing (filed … verified, 缓办, 挂账) at the start of P or filed or
  reopened during P; 结案数 — of those, closed in P; 按期结案数 — closed without a missed handling deadline;
  返工数 — failed verification (核查不通过) in P; 多次返工数 — of those, failed ≥ 3 times in all;
  缓办数 / 挂账数 — deferred / hung (and not closed) at the end of P.
* Cases cancelled (作废) or merged (合并) by the end of P leave every pool.
* 平均/P90处置时长 — hours from the first dispatch to the final feedback, over the cases handled in P.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar


@dataclass
class Counts:
    """Case counts of one unit (or one group of cases) in one period."""

    received: int = 0
    filed: int = 0
    filed_on_time: int = 0
    public_filed: int = 0
    dispatched: int = 0
    accurate_dispatched: int = 0
    returned: int = 0
    due_handle: int = 0
    handled: int = 0
    handled_on_time: int = 0
    extended: int = 0
    overdue_waiting: int = 0
    due_close: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0
    reworked3: int = 0
    deferred: int = 0
    hung: int = 0
    handle_hours: float = 0.0
    """Sum of handling hours over the handled cases (the mean is this over ``handled``)."""

    KEYS: ClassVar[tuple[str, ...]] = (
        "received",
        "filed",
        "filed_on_time",
        "public_filed",
        "dispatched",
        "accurate_dispatched",
        "returned",
        "due_handle",
        "handled",
        "handled_on_time",
        "extended",
        "overdue_waiting",
        "due_close",
        "closed",
        "closed_on_time",
        "reworked",
        "reworked3",
        "deferred",
        "hung",
    )

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_mapping(cls, values: dict[str, float]) -> Counts:
        known = {f.name for f in fields(cls)}
        counts = cls(**{k: int(v) for k, v in values.items() if k in known and k != "handle_hours"})
        counts.handle_hours = float(values.get("handle_hours") or 0.0)
        return counts

    @property
    def mean_handle_hours(self) -> float | None:
        return self.handle_hours / self.handled if self.handled else None


COUNT_LABELS: dict[str, str] = {
    "received": "受理数",
    "filed": "立案数",
    "filed_on_time": "按时立案数",
    "public_filed": "监督举报核实数",
    "dispatched": "派遣数",
    "accurate_dispatched": "准确派遣数",
    "returned": "退回数",
    "due_handle": "应处置数",
    "handled": "处置数",
    "handled_on_time": "按期处置数",
    "extended": "延期数",
    "overdue_waiting": "超期待处置数",
    "due_close": "应结案数",
    "closed": "结案数",
    "closed_on_time": "按期结案数",
    "reworked": "返工数",
    "reworked3": "多次返工数(≥3次)",
    "deferred": "缓办数",
    "hung": "挂账数",
}


@dataclass(frozen=True)
class RateDef:
    key: str
    label: str
    numerator: str
    denominator: str
    urgent: bool = False
    """Computed over the emergency cases only (紧急问题)."""
    lower_is_better: bool = False


RATES: tuple[RateDef, ...] = (
    RateDef("close_rate", "结案率", "closed", "due_close"),
    RateDef("on_time_close_rate", "按期结案率", "closed_on_time", "due_close"),
    RateDef("handle_rate", "处置率", "handled", "due_handle"),
    RateDef("on_time_handle_rate", "按期处置率", "handled_on_time", "due_handle"),
    RateDef("rework_rate", "返工率", "reworked", "due_close", lower_is_better=True),
    RateDef("extension_rate", "延期率", "extended", "due_handle", lower_is_better=True),
    RateDef("overdue_rate", "超期待处置率", "overdue_waiting", "due_handle", lower_is_better=True),
    RateDef("accurate_dispatch_rate", "准确派遣率", "accurate_dispatched", "dispatched"),
    RateDef("public_report_rate", "监督举报率", "public_filed", "filed"),
    RateDef("on_time_filing_rate", "按时立案率", "filed_on_time", "filed"),
    RateDef("urgent_close_rate", "紧急问题结案率", "closed", "due_close", urgent=True),
    RateDef("urgent_on_time_close_rate", "紧急问题按期结案率", "closed_on_time", "due_close", urgent=True),
)
RATE_BY_KEY = {r.key: r for r in RATES}
EXCLUDABLE: dict[str, frozenset[str]] = {
    # what may leave a denominator: only subsets of it that its numerator never holds
    "due_close": frozenset({"deferred", "hung"}),
    "due_handle": frozenset(),
    "dispatched": frozenset(),
    "filed": frozenset(),
}


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: float
    denominator: float
    """Counts of cases (ints); a module's indicator may measure other quantities."""
    excluded: tuple[str, ...] = field(default=())
    """Counts subtracted from the base denominator under the rule set (e.g. ``deferred``)."""

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator > 0 else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.2f}%"

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "excluded": list(self.excluded),
        }


RuleSet = dict[str, tuple[str, ...]]
"""Rate key → the counts that leave its denominator."""


def check_rule_set(rules: RuleSet) -> None:
    """Refuse unknown rates and exclusions that are not subsets of the denominator (ValueError)."""
    for key, excluded in rules.items():
        definition = RATE_BY_KEY.get(key)
        if definition is None:
            raise ValueError(f"未知指标 {key} (unknown rate; known: {', '.join(RATE_BY_KEY)})")
        allowed = EXCLUDABLE[definition.denominator]
        bad = [name for name in excluded if name not in allowed]
        if bad:
            raise ValueError(
                f"{key}: {bad[0]} 不能从{COUNT_LABELS[definition.denominator]}中剔除 "
                f"(may leave {definition.denominator}: {sorted(allowed) or 'nothing'})"
            )


def rate(definition: RateDef, counts: Counts, urgent: Counts, rules: RuleSet) -> Rate:
    source = urgent if definition.urgent else counts
    excluded = rules.get(definition.key, ())
    denominator = int(getattr(source, definition.denominator)) - sum(int(getattr(source, n)) for n in excluded)
    return Rate(
        definition.key,
        definition.label,
        int(getattr(source, definition.numerator)),
        max(denominator, 0),
        tuple(excluded),
    )


def rates(counts: Counts, urgent: Counts, rules: RuleSet) -> dict[str, Rate]:
    """Every rate of ``RATES`` for one unit: ``urgent`` holds the same counts over its emergency cases."""
    return {d.key: rate(d, counts, urgent, rules) for d in RATES}


def percentile_rank(values: list[float], share: float = 0.9) -> float | None:
    """Nearest-rank percentile (the value at rank ⌈share·n⌉ of the sorted values), as the SQL computes it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(round(share * 100)) * len(ordered) // 100))
    return ordered[rank - 1]
