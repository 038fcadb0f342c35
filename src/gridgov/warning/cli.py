"""Commands of the geo-hazard warning module: zones, the storm simulation, the hindcast."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import make_url

from gridgov.auth.service import AuthService
from gridgov.config import Settings, get_settings
from gridgov.configdata.service import load_document, parse_document
from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated, report_import_error
from gridgov.sensing.claims import embedded_bind
from gridgov.sensing.gateways import issue_gateway_token
from gridgov.warning import hindcast as hc
from gridgov.warning import simulation as sim
from gridgov.warning import storm_io
from gridgov.warning.documents import POLICY as WARNING_POLICY
from gridgov.warning.documents import THRESHOLDS as WARNING_THRESHOLDS
from gridgov.warning.enums import Colour
from gridgov.warning.exercise import end_exercise, open_exercise
from gridgov.warning.service import WarningService
from gridgov.warning.transfer import WarningTransfer

STORM_GATEWAY = "storm-gateway"
"""The gateway account ``simulate storm`` publishes as on the embedded broker."""


def import_zones(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx (防范区/受威胁户/责任人)")],
) -> None:
    """Import geo-hazard risk zones, threatened households and responsible people; all or nothing (导入防范区)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            summary = WarningTransfer(session).import_xlsx(file.read_bytes())
            count = WarningService(session).assign_nearest_gauges(k=2)
    except AppError as exc:
        report_import_error(exc)
        return
    console.print(f"[green]✓[/green] {summary}; {count} zone–gauge assignments")


def export_zones(file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .xlsx")]) -> None:
    """Export risk zones, threatened households and responsible people, for editing and re-import (导出防范区)."""
    database = migrated()
    with database.session() as session:
        file.write_bytes(WarningTransfer(session).export_xlsx())
    console.print(f"[green]✓[/green] wrote {file}")


def simulate_storm(
    seed: Annotated[int, typer.Option(help="Seed of the storm (随机种子)")] = 2019,
    hours: Annotated[int, typer.Option(min=1, max=48, help="Duration of the storm in hours (历时)")] = 12,
    fast: Annotated[
        bool, typer.Option("--fast", help="Backdated replay in under a minute instead of real time (快放)")
    ] = False,
    seconds: Annotated[float, typer.Option(min=1, max=240, help="Length of the --fast replay in seconds")] = 45.0,
    broker: Annotated[
        str | None, typer.Option(help="MQTT broker URL; default: the server's (mqtt_url or the embedded broker)")
    ] = None,
    http: Annotated[str | None, typer.Option(help="Send through the HTTP batch API of this server instead")] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Gateway API token (api_client or admin): the bearer token for --http, the MQTT password for the "
            "embedded broker; default for the embedded broker: a one-day token of the storm-gateway account"
        ),
    ] = None,
    username: Annotated[
        str | None, typer.Option(help="MQTT user name: the token's account (default: looked up from the token)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the expected colour per zone; send nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --dry-run: the expectation as JSON")] = False,
    block_minutes: Annotated[int, typer.Option(min=5, max=720, help="--fast: minutes of record per message")] = 60,
    send_external: Annotated[
        bool,
        typer.Option(
            "--send-external",
            help="Send the drill's alerts by SMS, voice, e-mail and robot too, marked 【演练】 (default: in-app only)",
        ),
    ] = False,
) -> None:
    """Drive a seeded typhoon over the county's rain gauges (模拟台风): readings every 5 minutes per gauge over
    MQTT (QoS 1) or the HTTP batch API, in real time or as a backdated --fast replay. It runs as a drill (演练):
    an exercise window is opened in the database first, so the warnings it raises are exercises end to end
    (see gridgov.warning.exercise)."""
    if http and not token and not dry_run:
        fail("--http 需要 --token (a gateway token is required)")
    settings = get_settings()
    database = migrated()
    with database.session() as session:
        network = storm_io.load_network(session)
        thresholds = load_document(session, WARNING_THRESHOLDS)
    database.engine.dispose()
    if not network.gauges or not network.zones:
        fail("数据库中没有雨量站或风险防范区 (no rain gauges or risk zones; run gridgov demo first)")
    now = datetime.now(UTC).replace(microsecond=0)
    storm = sim.storm_for(network.gauges, seed, hours)
    end = now if fast else now + timedelta(hours=hours)
    series = sim.readings(storm, network.gauges, end)
    expected = sim.expected_colours(series, network.zones, thresholds, peak=not fast)
    counts = sim.colour_counts(expected)
    if as_json:  # the JSON alone on stdout; progress and summary go to stderr
        typer.echo(json.dumps(_storm_json(storm, series, expected, counts, fast), ensure_ascii=False, indent=1))
        if dry_run:
            return
    else:
        _print_storm(storm, series, expected, counts, fast, detail=dry_run)
    if dry_run:
        return
    waves = (
        sim.fast_waves(series.steps, seconds, max(1, block_minutes // sim.STEP_MINUTES))
        if fast
        else sim.realtime_waves(series, now)
    )
    out = Console(stderr=True) if as_json else console
    last_reading = now + timedelta(seconds=seconds) if fast else series.times[-1]
    _open_exercise(out, f"模拟台风 seed {seed}", now, last_reading, send_external)
    if http:
        _send_http(out, series, waves, http, token or "")
    else:
        url = broker or settings.mqtt_url or f"mqtt://{embedded_bind(settings.data_dir, settings.mqtt_embedded_bind)}"
        login = _mqtt_login(settings, url, username, token)
        _send_mqtt(out, series, waves, url, settings.mqtt_topic_prefix, network.county, login)


def _open_exercise(out: Console, name: str, now: datetime, last_reading: datetime, send_external: bool) -> None:
    """The drill announces itself before its first reading: the server that shares this database treats the
    warnings issued meanwhile as exercises."""
    database = migrated()
    with database.session() as session:
        set_actor(session, CLI_ACTOR)
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        window = open_exercise(session, name, now, last_reading, send_external=send_external)
        session.commit()
    database.engine.dispose()
    assert window.until is not None
    local = window.until.astimezone(ZoneInfo(get_settings().timezone))
    sends = "短信、语音等外部渠道也发送（标注【演练】）" if send_external else "只发平台内消息，不发短信、语音"
    out.print(
        f"演练时段至 {local:%Y-%m-%d %H:%M:%S}：其间新发布的预警均为演练 (Exercise)，{sends} "
        f"(exercise window open until then in {make_url(get_settings().database_url).render_as_string()}; "
        "the server must use this database)"
    )


def end_exercise_now() -> None:
    """End the exercise window now (演练结束): warnings issued from now on are real again. The drill's readings
    still count in the gauges' rolling totals (up to a day)."""
    database = migrated()
    with database.session() as session:
        set_actor(session, CLI_ACTOR)
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        ended = end_exercise(session, datetime.now(UTC))
        session.commit()
    database.engine.dispose()
    if ended is None:
        console.print("没有进行中的演练 (no exercise window is open)")
        return
    console.print(f"[green]✓[/green] 演练“{ended.name}”已结束 (exercise window closed)")


def _mqtt_login(settings: Settings, url: str, username: str | None, token: str | None) -> tuple[str, str] | None:
    """The gateway credentials to publish with: the given token (its account's user name looked up when not
    given); else, towards the embedded broker with authentication on, a fresh token of ``storm-gateway``;
    else none (the URL's, if any)."""
    if token:
        if username:
            return username, token
        database = migrated()
        with database.session() as session:
            found = AuthService(session, settings).principal_from_token(token)
        database.engine.dispose()
        if found is None:
            fail("令牌无效或已过期，或请用 --username 指定账号 (unknown token here; give --username)")
        assert found is not None
        return found[0].username, token
    embedded = (
        not settings.mqtt_url and url == f"mqtt://{embedded_bind(settings.data_dir, settings.mqtt_embedded_bind)}"
    )
    if not (embedded and settings.mqtt_embedded_auth):
        return None
    database = migrated()
    with database.session() as session:
        set_actor(session, CLI_ACTOR)
        # ask for the write lock first: the running server may be writing hard
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        issued = issue_gateway_token(session, settings, STORM_GATEWAY, "台风模拟网关")
    database.engine.dispose()
    return STORM_GATEWAY, issued


def _storm_json(
    storm: sim.Storm, series: sim.RainSeries, expected: list[sim.ZoneExpectation], counts: dict[str, int], fast: bool
) -> dict[str, Any]:
    start_lon, start_lat = storm.eye_lonlat(0.0)
    end_lon, end_lat = storm.eye_lonlat(float(storm.hours))
    return {
        "seed": storm.seed,
        "mode": "fast" if fast else "realtime",
        "expectation": "end" if fast else "peak",
        "start": series.times[0].isoformat(),
        "end": series.times[-1].isoformat(),
        "steps": series.steps,
        "gauges": len(series.codes),
        "track": [[round(start_lon, 4), round(start_lat, 4)], [round(end_lon, 4), round(end_lat, 4)]],
        "heading_deg": round(storm.heading_deg, 1),
        "speed_km_h": round(storm.speed_km_h, 1),
        "max_total_mm": float(series.totals_mm().max()),
        "counts": counts,
        "zones": [
            {
                "code": e.code,
                "name": e.name,
                "level": e.level,
                "colour": e.colour.value if e.colour else None,
                "measure": e.measure,
                "value_mm": e.value_mm,
                "threshold_mm": e.threshold_mm,
                "gauge": e.gauge,
                "at": e.at.isoformat() if e.at else None,
            }
            for e in expected
        ],
    }


def _print_storm(
    storm: sim.Storm,
    series: sim.RainSeries,
    expected: list[sim.ZoneExpectation],
    counts: dict[str, int],
    fast: bool,
    *,
    detail: bool,
) -> None:
    zone_name = get_settings().timezone
    start_lon, start_lat = storm.eye_lonlat(0.0)
    end_lon, end_lat = storm.eye_lonlat(float(storm.hours))
    local = ZoneInfo(zone_name)
    console.print(
        f"[bold]模拟台风[/bold] (seed {storm.seed}): {storm.hours} 小时, 台风眼 ({start_lon:.3f}, {start_lat:.3f}) → "
        f"({end_lon:.3f}, {end_lat:.3f}), 移向 {storm.heading_deg:.0f}°, {storm.speed_km_h:.1f} km/h; "
        f"{len(series.codes)} 个雨量站每5分钟一条, 单站最大累计 {series.totals_mm().max():.1f} mm"
    )
    console.print(
        f"降雨时段 (phenomenon times) {series.times[0].astimezone(local):%Y-%m-%d %H:%M} – "
        f"{series.times[-1].astimezone(local):%Y-%m-%d %H:%M} ({zone_name})"
        + (" — 回溯至现在结束 (backdated to end now: the server judges totals with its own clock)" if fast else "")
    )
    if detail:
        table = Table(title="预计预警 (expected colour per zone" + (", as of the end)" if fast else ", peak)"))
        for column in ("防范区 zone", "名称 name", "管理等级 level", "颜色 colour", "触发 trigger", "雨量站 gauge"):
            table.add_column(column)
        ranked = sorted(
            ((e, e.colour) for e in expected if e.colour is not None), key=lambda p: (-p[1].rank, p[0].code)
        )
        for e, colour in ranked:
            trigger = f"{e.measure} {e.value_mm or 0:.1f} ≥ {e.threshold_mm or 0:.0f} mm"
            table.add_row(e.code, e.name, str(e.level), colour.label, trigger, e.gauge or "")
        console.print(table)
    summary = "、".join(
        f"{Colour(key).label} {value}" if key != "none" else f"无预警 {value}" for key, value in counts.items()
    )
    console.print(f"预计 (expected, {'end of storm' if fast else 'peak'}): {summary} (zones)")


def _progress(out: Console) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    return Progress(*columns, console=out)


def _send_mqtt(
    out: Console,
    series: sim.RainSeries,
    waves: list[sim.Wave],
    url: str,
    prefix: str,
    county: str,
    login: tuple[str, str] | None,
) -> None:
    username, password = login or (None, None)
    try:
        sender = storm_io.MqttSender(url, f"gridgov-storm-{os.getpid()}", username=username, password=password)
    except ConnectionError as exc:
        fail(str(exc))
        return

    def send(wave: sim.Wave) -> None:
        for topic, payload in sim.mqtt_messages(series, wave, prefix, county):
            sender.send(topic, payload, len(wave.steps))

    with _progress(out) as bar:
        task = bar.add_task(f"MQTT {url} 发布中 (publishing)", total=len(waves))
        storm_io.run_waves(waves, send, progress=lambda done: bar.update(task, completed=done))
    acknowledged = sender.close()
    stats = sender.stats
    out.print(
        f"[green]✓[/green] 已发布 {stats.messages:,} 条消息 / {stats.readings:,} 条读数 (QoS 1), "
        f"服务器已确认 {acknowledged:,} 条 (published, acknowledged by the broker)"
    )
    if acknowledged < stats.messages:
        fail(f"{stats.messages - acknowledged} 条消息未获确认 (not acknowledged)")


def _send_http(out: Console, series: sim.RainSeries, waves: list[sim.Wave], url: str, token: str) -> None:
    sender = storm_io.HttpSender(url, token)

    def send(wave: sim.Wave) -> None:
        for body in sim.http_bodies(series, wave):
            sender.send(body)

    with _progress(out) as bar:
        task = bar.add_task(f"HTTP {url} 上传中 (posting)", total=len(waves))
        try:
            storm_io.run_waves(waves, send, progress=lambda done: bar.update(task, completed=done))
        except ConnectionError as exc:
            fail(str(exc))
    stats = sender.stats
    out.print(
        f"[green]✓[/green] 已上传 {stats.readings:,} 条读数 ({stats.messages} 批): 入库 {stats.accepted:,}, "
        f"重复 {stats.duplicate:,}, 死信 {stats.refused:,} (accepted, repeats, dead-lettered)"
    )
    if stats.refused:
        raise typer.Exit(2)


def hindcast(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: station,time,mm")],
    events: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="CSV: zone,date of landslides (灾情)")
    ] = None,
    zones: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="CSV: zone,level,gauge[,rank][,name]; default: the database"),
    ] = None,
    thresholds: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Thresholds YAML; default: the database's")
    ] = None,
    step_minutes: Annotated[int | None, typer.Option(min=1, max=60, help="Grid step; default: from the data")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON")] = False,
) -> None:
    """Replay a rainfall record through the thresholds (回算): warnings per colour per year, and with --events
    hits, misses and false alarms. Reads zones and thresholds; writes nothing."""
    zone_name = get_settings().timezone
    rain, errors = hc.parse_rainfall(file.read_bytes(), zone_name)
    _row_errors(file.name, errors)
    config = WARNING_THRESHOLDS.default()
    lifecycle = WARNING_POLICY.default().lifecycle
    if zones is not None:
        sites, errors = hc.parse_zones(zones.read_bytes())
        _row_errors(zones.name, errors)
    else:
        database = migrated()
        with database.session() as session:
            sites = list(storm_io.load_network(session).zones)
            config = load_document(session, WARNING_THRESHOLDS)
            lifecycle = load_document(session, WARNING_POLICY).lifecycle
        database.engine.dispose()
    if thresholds is not None:
        try:
            config = parse_document(WARNING_THRESHOLDS, yaml.safe_load(thresholds.read_text("utf-8")))
        except (AppError, yaml.YAMLError) as exc:
            fail(exc.message if isinstance(exc, AppError) else f"YAML: {exc}")
    landslides: list[hc.Event] = []
    if events is not None:
        landslides, errors = hc.parse_events(events.read_bytes())
        _row_errors(events.name, errors)
    try:
        result = hc.replay(rain, sites, config, lifecycle, step_minutes=step_minutes)
    except ValueError as exc:
        fail(str(exc))
        return
    years = hc.per_year(result, zone_name)
    verification = hc.verify(result, landslides, [z.code for z in sites], zone_name) if events else None
    if as_json:
        typer.echo(json.dumps(hc.report_json(result, years, verification, zone_name), ensure_ascii=False, indent=1))
        return
    _print_hindcast(result, years, verification, zone_name, calibrated=config.calibrated)


def _row_errors(name: str, errors: list[hc.RowError]) -> None:
    if not errors:
        return
    table = Table(title=f"{name}: {len(errors)} 行有误，未回算 (rows refused; nothing replayed)")
    for column in ("row", "column", "message"):
        table.add_column(column)
    for error in errors[:50]:
        table.add_row(str(error.row), error.column, error.message)
    console.print(table)
    raise typer.Exit(1)


def _print_hindcast(
    result: hc.Hindcast,
    years: dict[int, dict[str, int]],
    verification: hc.Verification | None,
    zone_name: str,
    *,
    calibrated: bool,
) -> None:
    local = ZoneInfo(zone_name)
    if result.first is None or result.last is None:
        fail("记录中没有防范区所用雨量站的读数 (no readings of a gauge any zone uses)")
        return
    console.print(
        f"回算 (hindcast): {result.readings:,} 条读数, {result.zones} 个防范区, 步长 {result.step_minutes} 分钟, "
        f"{result.first.astimezone(local):%Y-%m-%d %H:%M} – {result.last.astimezone(local):%Y-%m-%d %H:%M}"
        + ("" if calibrated else " (阈值为默认值，待率定 thresholds not calibrated)")
    )
    if result.without_data:
        console.print(
            f"无数据的防范区 (zones without data) {len(result.without_data)}: {', '.join(result.without_data[:10])}"
        )
    if result.ignored_stations:
        console.print(f"未被使用的雨量站 (stations no zone uses): {', '.join(result.ignored_stations[:10])}")
    table = Table(title="预警次数 (warnings per year, by highest colour)")
    for column in ("年份 year", "红色 red", "橙色 orange", "黄色 yellow", "蓝色 blue", "合计 total"):
        table.add_column(column, justify="right")
    for year, counts in years.items():
        table.add_row(
            str(year), *(str(counts[c]) for c in ("red", "orange", "yellow", "blue")), str(sum(counts.values()))
        )
    if years:
        n = len(years)
        means = [sum(y[c] for y in years.values()) / n for c in ("red", "orange", "yellow", "blue")]
        table.add_row("年均 per year", *(f"{m:.1f}" for m in means), f"{sum(means):.1f}")
    console.print(table)
    if verification is None:
        return
    v = verification
    hit_colours = "、".join(
        f"{Colour(c).label} {sum(1 for e in v.events if e.colour == Colour(c))}" for c in ("red", "orange", "yellow")
    )
    scores = Table(title="检验 (verification: warnings of yellow and above, event day ± 1 day)")
    for column in ("项目 item", "数值 value"):
        scores.add_column(column)
    scores.add_row("灾情事件 events scored", str(len(v.events)))
    scores.add_row("命中 hits", f"{v.hits} ({hit_colours})")
    scores.add_row("漏报 misses", str(v.misses))
    scores.add_row("预警 warnings ≥ yellow", str(v.warnings))
    scores.add_row("空报 false alarms", str(len(v.false_alarms)))
    for label, value in (("命中率 POD", v.pod), ("空报率 FAR", v.far), ("临界成功指数 CSI", v.csi)):
        scores.add_row(label, "—" if value is None else f"{value:.3f}")
    if v.outside:
        scores.add_row("记录之外 outside the record", str(len(v.outside)))
    if v.unknown_zone:
        scores.add_row("未知防范区 unknown zones", ", ".join(sorted({e.zone for e in v.unknown_zone}))[:200])
    console.print(scores)
    misses = [e.event for e in v.events if not e.hit]
    if misses:
        console.print("漏报 (misses): " + "、".join(f"{e.zone} {e.day}" for e in misses[:50]))
    if v.false_alarms:
        console.print(
            "空报 (false alarms): "
            + "、".join(
                f"{w.zone} {w.issued_at.astimezone(local):%Y-%m-%d} {w.peak.label}" for w in v.false_alarms[:50]
            )
        )


def register(groups: Groups) -> None:
    groups.group("import").command("zones")(import_zones)
    groups.group("export").command("zones")(export_zones)
    groups.group("simulate").command("storm")(simulate_storm)
    groups.group("simulate").command("end-exercise")(end_exercise_now)
    groups.root.command()(hindcast)
