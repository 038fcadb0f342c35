"""Key projects (重点项目全生命周期, 三服务): stages with planned and actual dates, the colour by delay, blockers
raised as appeals, and the weekly progress table. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridgov.configdata.service import load_document
from gridgov.enterprise_service.access import NOT_VISIBLE, Reader
from gridgov.enterprise_service.documents import PROJECTS, ProjectRules
from gridgov.enterprise_service.models import Project, ProjectStage
from gridgov.enterprise_service.rules import Colour, StagePlan, project_colour, stage_delay
from gridgov.enterprise_service.schemas import StageRead, StageUpdate
from gridgov.errors import InvalidInput, NotFound
from gridgov.kit.tabular import Cell
from gridgov.kit.time import to_local, utcnow


@dataclass(frozen=True)
class ProjectView:
    project: Project
    colour: Colour
    delay_days: int
    current_stage: str | None
    stages: list[StageRead]


class ProjectService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    @property
    def rules(self) -> ProjectRules:
        return load_document(self.session, PROJECTS)

    def today(self) -> date:
        return to_local(self.clock()).date()

    def get(self, reader: Reader, project_id: int) -> Project:
        project = self.session.get(Project, project_id)
        if project is None or not reader.sees(project.enterprise_id, project.path):
            raise NotFound(f"项目{NOT_VISIBLE}")
        return project

    def search(self, reader: Reader, kind: str | None = None) -> list[ProjectView]:
        stmt = select(Project).where(reader.where(Project.enterprise_id, Project.path))
        if kind:
            stmt = stmt.where(Project.kind == kind)
        projects = list(self.session.scalars(stmt.order_by(Project.code)))
        stages: dict[int, list[ProjectStage]] = {}
        if projects:
            rows = self.session.scalars(
                select(ProjectStage).where(ProjectStage.project_id.in_([p.id for p in projects]))
            )
            for row in rows:
                stages.setdefault(row.project_id, []).append(row)
        return [self._view(p, stages.get(p.id, [])) for p in projects]

    def view(self, reader: Reader, project_id: int) -> ProjectView:
        project = self.get(reader, project_id)
        rows = self.session.scalars(select(ProjectStage).where(ProjectStage.project_id == project.id))
        return self._view(project, list(rows))

    def _view(self, project: Project, rows: list[ProjectStage]) -> ProjectView:
        rules, today = self.rules, self.today()
        by_code = {r.stage: r for r in rows}
        plans = [
            StagePlan(
                s.code,
                by_code[s.code].planned if s.code in by_code else None,
                by_code[s.code].actual if s.code in by_code else None,
            )
            for s in rules.stages
        ]
        colour, delay = project_colour(plans, today, rules.yellow_after_days, rules.red_after_days)
        current = next((s.name for s, p in zip(rules.stages, plans, strict=True) if p.actual is None), None)
        stages = [
            StageRead(
                code=s.code,
                name=s.name,
                planned=p.planned,
                actual=p.actual,
                delay_days=stage_delay(p, today),
                note=by_code[s.code].note if s.code in by_code else "",
            )
            for s, p in zip(rules.stages, plans, strict=True)
        ]
        return ProjectView(project, colour, delay, current, stages)

    def set_stage(self, reader: Reader, project_id: int, data: StageUpdate) -> ProjectView:
        project = self.get(reader, project_id)
        if self.rules.stage(data.stage) is None:
            known = ", ".join(s.code for s in self.rules.stages)
            raise InvalidInput(f"未知阶段 {data.stage} (unknown stage; one of {known})", field="stage")
        if data.actual is not None and data.actual > self.today():
            raise InvalidInput("实际完成日期不能晚于今天 (actual date is in the future)", field="actual")
        row = self.session.scalars(
            select(ProjectStage).where(ProjectStage.project_id == project.id, ProjectStage.stage == data.stage)
        ).one_or_none()
        if row is None:
            row = ProjectStage(project_id=project.id, stage=data.stage, note="")
            self.session.add(row)
        if data.planned is not None:
            row.planned = data.planned
        if data.actual is not None:
            row.actual = data.actual
        if data.note:
            row.note = data.note
        self.session.flush()
        return self.view(reader, project.id)

    def weekly_rows(self, reader: Reader) -> tuple[list[str], list[list[Cell]]]:
        """The weekly progress table (项目推进周报): one row per project, worst first."""
        header = [
            "项目编号",
            "项目名称",
            "类型",
            "投资方",
            "计划投资(万元)",
            "专班",
            "责任领导",
            "当前阶段",
            "计划日期",
            "滞后天数",
            "颜色",
        ]
        kinds = {"industrial": "工业", "real_estate": "房地产"}
        labels = {Colour.green: "绿", Colour.yellow: "黄", Colour.red: "红"}
        rows: list[list[Cell]] = []
        views = sorted(self.search(reader), key=lambda v: (-v.colour.rank, -v.delay_days, v.project.code))
        for v in views:
            current = next((s for s in v.stages if s.actual is None), None)
            p = v.project
            rows.append(
                [
                    p.code,
                    p.name,
                    kinds.get(p.kind, p.kind),
                    p.investor,
                    p.amount_wan,
                    p.team,
                    p.leader,
                    current.name if current else "已达产",
                    current.planned.isoformat() if current and current.planned else "",
                    v.delay_days,
                    labels[v.colour],
                ]
            )
        return header, rows
