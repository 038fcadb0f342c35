"""The first, pure-Python 亩均 scoring, kept as the reference the array scoring of ``permu.evaluate`` must equal
(tests/enterprise_service/test_per_mu_logic.py)."""

from __future__ import annotations

from collections.abc import Sequence

from gridgov.enterprise_service.permu import (
    CLASSES,
    Figures,
    IndicatorSpec,
    Part,
    Result,
    Scheme,
    Status,
    indicator_value,
    population_of,
)


def item_score(spec: IndicatorSpec, value: float, benchmark: float, low: float, high: float, scheme: Scheme) -> float:
    if scheme.method == "minmax20":
        spread = (value - low) / (high - low) if high > low else 1.0
        return spec.weight * (20 + 80 * spread) / 100
    score = spec.weight * value / benchmark if benchmark > 0 else 0.0
    return min(score, scheme.cap * spec.weight) if scheme.cap else score


def _classify(ranked: Sequence[tuple[int, float]], scheme: Scheme) -> dict[int, str]:
    """key → class: by cumulative rank share (position (i+1)/n within the class's upper bound), or by score."""
    classes = scheme.classes
    found: dict[int, str] = {}
    n = len(ranked)
    for index, (key, score) in enumerate(ranked):
        if classes.mode == "thresholds":
            found[key] = next((c for c in CLASSES if score >= classes.spec(c).min_score), "D")
            continue
        position, bound = (index + 1) / n, 0.0
        found[key] = "D"
        for name in CLASSES:
            bound += classes.spec(name).share
            if position <= bound + 1e-9:
                found[key] = name
                break
    return found


def reference_evaluate(rows: Sequence[Figures], scheme: Scheme) -> list[Result]:
    results: dict[int, Result] = {}
    members: dict[str, list[Figures]] = {}
    for row in rows:
        population, reason = population_of(row, scheme)
        if population is None or population not in scheme.populations:
            results[row.key] = Result(row.key, None, Status.not_evaluated, reason=reason or "不在评价范围")
            continue
        members.setdefault(population, []).append(row)
    for population, group in members.items():
        specs = scheme.populations[population].indicators  # type: ignore[index]
        values = {row.key: [indicator_value(s, row.values) for s in specs] for row in group}
        scorable: list[Figures] = []
        for row in group:
            missing = tuple(
                s.name for s, v in zip(specs, values[row.key], strict=True) if v is None and s.when_missing == "exclude"
            )
            if missing:
                results[row.key] = Result(
                    row.key, population, Status.incomplete, missing=missing, reason="数据不全，暂不分类 (data missing)"
                )
            else:
                scorable.append(row)
        columns = [[v for r in scorable if (v := values[r.key][i]) is not None] for i in range(len(specs))]
        benchmarks = [s.benchmark or (sum(c) / len(c) if c else None) for s, c in zip(specs, columns, strict=True)]
        lows = [min(c) if c else 0.0 for c in columns]
        highs = [max(c) if c else 0.0 for c in columns]
        raw: dict[int, list[float | None]] = {}
        for row in scorable:
            raw[row.key] = [
                None if v is None or b is None else item_score(s, v, b, lo, hi, scheme)
                for s, v, b, lo, hi in zip(specs, values[row.key], benchmarks, lows, highs, strict=True)
            ]
        averages: list[float | None] = []
        for i in range(len(specs)):
            known = [score for scores in raw.values() if (score := scores[i]) is not None]
            averages.append(sum(known) / len(known) if known else None)
        totals: dict[int, tuple[float, tuple[Part, ...]]] = {}
        for row in scorable:
            scores = [averages[i] if sc is None else sc for i, sc in enumerate(raw[row.key])]
            unfilled = tuple(s.name for s, sc in zip(specs, scores, strict=True) if sc is None)
            if unfilled:  # nobody in the population has the figure: there is no average to take
                results[row.key] = Result(
                    row.key, population, Status.incomplete, missing=unfilled, reason="数据不全，暂不分类 (data missing)"
                )
                continue
            parts = tuple(
                Part(s.key, v, b, s.weight, sc, imputed=r is None)
                for s, v, b, sc, r in zip(specs, values[row.key], benchmarks, scores, raw[row.key], strict=True)
            )
            totals[row.key] = (sum(p.score or 0.0 for p in parts), parts)
        ranked = sorted(((k, t[0]) for k, t in totals.items()), key=lambda kv: (-kv[1], kv[0]))
        classes = _classify(ranked, scheme)
        vetoes = {row.key: row.veto for row in scorable if row.veto}
        for rank, (key, score) in enumerate(ranked, start=1):
            veto = vetoes.get(key)
            results[key] = Result(
                key,
                population,
                Status.vetoed if veto else Status.classified,
                score=score,
                rank=rank,
                of=len(ranked),
                klass="D" if veto else classes[key],
                parts=totals[key][1],
                reason=f"一票否决：{veto}" if veto else "",
            )
    return [results[row.key] for row in rows]
