"""HTTP API of the evaluation: the same figures as the pages, as JSON for other systems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from gridgov.case.catalogue import load_taxonomy
from gridgov.configdata.service import load_document
from gridgov.deps import CurrentUser, SessionDep
from gridgov.errors import InvalidInput
from gridgov.evaluation.cockpit import CockpitService
from gridgov.evaluation.documents import FLAGS, SCORING, Level
from gridgov.evaluation.indicators import COUNT_LABELS, RATES
from gridgov.evaluation.periods import Period
from gridgov.evaluation.schemas import Cockpit, DrillPage, IndicatorPage, RankingPage, RankRead, UnitRead
from gridgov.evaluation.service import EvaluationService
from gridgov.i18n import translator
from gridgov.kit.bounds import Offset
from gridgov.kit.principal import Principal
from gridgov.web.templating import request_locale

router = APIRouter(tags=["evaluation 综合评价"])
PERIOD = Query(description="YYYY-MM, YYYY-Qn or YYYY; default: last month", pattern=r"^\d{4}(-(Q[1-4]|\d{2}))?$")


def evaluation_service(request: Request, session: SessionDep) -> CockpitService:
    state = request.app.state
    return CockpitService(session, clock=state.clock, indicators=state.indicators, counters=state.cockpit_counters)


Evaluations = Annotated[CockpitService, Depends(evaluation_service)]


def parse_period(service: EvaluationService, text: str | None) -> Period:
    if text is None:
        return Period.month_of(service.clock()).previous()
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="period") from exc


def readable(user: Principal) -> tuple[str, ...]:
    user.require("org:read")
    return user.scope_paths


@router.get("/evaluation/definitions", summary="Indicators, rate formulas, rule sets and scoring schemes in use")
def definitions(service: Evaluations, user: CurrentUser) -> dict[str, Any]:
    readable(user)
    rules = service.rules_document
    scheme_name, _scheme = service.scheme()
    return {
        "counts": COUNT_LABELS,
        "rates": [
            {"key": r.key, "label": r.label, "numerator": r.numerator, "denominator": r.denominator, "urgent": r.urgent}
            for r in RATES
        ],
        "rules": rules.model_dump(mode="json"),
        "scoring": load_document(service.session, SCORING).model_dump(mode="json"),
        "flags": load_document(service.session, FLAGS).model_dump(mode="json"),
        "flag_scheme": scheme_name,
    }


@router.get("/evaluation/indicators", response_model=IndicatorPage, summary="Indicators of every unit of a level")
def indicators(
    service: Evaluations,
    user: CurrentUser,
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    parent: str | None = None,
    rules: str | None = None,
) -> IndicatorPage:
    scope = readable(user)
    chosen = parse_period(service, period)
    rules_name, rule_set = service.rule_set(rules)
    evaluation = service.evaluate(chosen, scope)
    units = [UnitRead.model_validate(u.as_dict(rule_set)) for u in evaluation.level(level, parent)]
    return IndicatorPage(
        period=chosen.key,
        period_label=chosen.label,
        level=level.value,
        rules=rules_name,
        count_labels=COUNT_LABELS,
        units=units,
    )


@router.get("/evaluation/ranking", response_model=RankingPage, summary="Scores and ranks within peer groups, flags")
def ranking(
    service: Evaluations,
    user: CurrentUser,
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    parent: str | None = None,
    scheme: str | None = None,
) -> RankingPage:
    scope = readable(user)
    chosen = parse_period(service, period)
    scheme_name, chosen_scheme = service.scheme(scheme)
    rows = service.ranking(service.evaluate(chosen, scope), level, chosen_scheme, parent)
    rule = service.level_rule(level)
    return RankingPage(
        period=chosen.key,
        level=level.value,
        scheme=scheme_name,
        scheme_name=chosen_scheme.name,
        max_points=chosen_scheme.max_points,
        min_sample=rule.min_sample,
        sample_count=chosen_scheme.sample,
        items=[
            RankRead(
                key=r.unit.key,
                name=r.unit.name,
                parent=r.unit.parent,
                peer=r.peer,
                rank=r.rank,
                group_size=r.group_size,
                score=None if r.score is None else round(r.score, 2),
                sample=r.sample,
                flag=r.flag.value if r.flag else None,
            )
            for r in rows
        ],
    )


@router.get("/evaluation/cases", response_model=DrillPage, summary="The cases behind one figure (drill-down)")
def cases(
    service: Evaluations,
    user: CurrentUser,
    key: str,
    level: Level = Level.township,
    period: Annotated[str | None, PERIOD] = None,
    count: str | None = Query(default=None, description="a count, e.g. closed; or give rate and part"),
    rate: str | None = None,
    part: Annotated[str, Query(pattern="^(numerator|denominator)$")] = "numerator",
    rules: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> DrillPage:
    scope = readable(user)
    chosen = parse_period(service, period)
    name, excluded, urgent = drill_target(service, count, rate, part, rules)
    numbers, total = service.drill(
        chosen, scope, level, key, name, exclude=excluded, urgent=urgent, limit=limit, offset=offset
    )
    return DrillPage(
        period=chosen.key,
        level=level.value,
        key=key,
        count=name,
        excluded=list(excluded),
        urgent=urgent,
        total=total,
        numbers=numbers,
    )


def drill_target(
    service: EvaluationService, count: str | None, rate: str | None, part: str, rules: str | None
) -> tuple[str, tuple[str, ...], bool]:
    if rate:
        _name, rule_set = service.rule_set(rules)
        numerator, denominator, excluded, urgent = service.rate_parts(rate, rule_set)
        return (numerator, (), urgent) if part == "numerator" else (denominator, excluded, urgent)
    if not count:
        raise InvalidInput("请给出统计项 count 或指标 rate (count or rate is required)", field="count")
    return count, (), False


@router.get("/evaluation/cockpit", response_model=Cockpit, summary="The cockpit (数字驾驶舱) of an area")
def cockpit(
    request: Request,
    service: Evaluations,
    user: CurrentUser,
    area: str | None = None,
    period: Annotated[str | None, PERIOD] = None,
    indicator: str = "open",
) -> Cockpit:
    readable(user)
    t = translator(request_locale(request))
    return Cockpit.model_validate(cockpit_payload(service, user, area, period, indicator, t))


def cockpit_payload(
    service: CockpitService,
    user: Principal,
    area: str | None,
    period: str | None,
    indicator: str,
    t: Callable[..., str],
    *,
    with_evaluation: bool = True,
) -> dict[str, Any]:
    """The cockpit's data; ``t`` translates the modules' tile labels into the reader's language."""
    majors = load_taxonomy(service.session).majors
    chosen = parse_period(service, period) if period else None
    tiles = []
    for key, count in service.counters.items():  # the modules' counters, each over the reader's area
        parts = dict(count(service.session, user.scope_paths))
        tiles.append(
            {"key": key, "label": t(key), "total": sum(parts.values()), "parts": [(t(p), n) for p, n in parts.items()]}
        )
    payload = service.cockpit(user, area, chosen, indicator, majors, tiles, with_evaluation=with_evaluation)
    return localised(payload, t)


def localised(payload: dict[str, Any], t: Callable[..., str]) -> dict[str, Any]:
    """The cockpit's labels in the reader's language: indicator names and the period (2026年11月 / 2026-11)."""
    indicators = {}
    for key, label in payload["indicators"].items():
        translated = t(f"eval.indicator.{key}")
        indicators[key] = label if translated == f"eval.indicator.{key}" else translated
    year, _, month = str(payload["period"]).partition("-")
    period_label = t("eval.month_label", year=year, month=int(month)) if month.isdigit() else payload["period_label"]
    return payload | {"indicators": indicators, "period_label": period_label}
