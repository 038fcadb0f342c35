"""Every enterprise-service API route, tried by a township operator of the other township and by an enterprise
account on another enterprise's data: nothing is reached. ``CHECKS`` (method, OpenAPI path) counts toward the
core's route-enumeration test (tests/auth/test_scope.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from gridgov.enterprise_service.models import PerMuFigures, Project
from tests.enterprise_service.conftest import World, build_world

BASE = "/api/v1/enterprises"


@dataclass
class Scene:
    client: TestClient
    world: World
    appeal: int
    """An appeal of 富春's fuchun_co's neighbour (other_co), recorded by staff."""
    project: int
    """A project of other_co in 富春."""

    def as_outsiders(self, method: str, url: str, **kwargs: object) -> list[Response]:
        """The call made by 万市's operator and by fuchun_co's enterprise account."""
        return [
            self.client.request(method, url, headers=h, **kwargs)  # type: ignore[arg-type]
            for h in (self.world.wanshi, self.world.company)
        ]


def _denied(responses: list[Response]) -> None:
    for r in responses:
        assert r.status_code in (403, 404, 422), f"{r.status_code}: {r.text[:300]}"
        assert "富春纸业" not in r.text


def _clean(responses: list[Response]) -> None:
    for r in responses:
        assert r.status_code in (200, 201, 403), f"{r.status_code}: {r.text[:300]}"
        assert "富春纸业" not in r.text, r.text[:300]


def _import(s: Scene) -> None:
    code = s.world.other_co.credit_code
    csv = f"统一社会信用代码,评价年度,规上(是/否),实缴税收(万元)\n{code},2025,是,100\n".encode()
    _denied(s.as_outsiders("POST", f"{BASE}/per-mu/import", files={"file": ("x.csv", io.BytesIO(csv), "text/csv")}))


CHECKS: dict[tuple[str, str], Callable[[Scene], None]] = {
    ("GET", f"{BASE}/appeals"): lambda s: _clean(s.as_outsiders("GET", f"{BASE}/appeals")),
    ("POST", f"{BASE}/appeals"): lambda s: _denied(
        s.as_outsiders(
            "POST",
            f"{BASE}/appeals",
            json={
                "enterprise_id": s.world.other_co.id,
                "category": "power",
                "title": "越权",
                "description": "越权提交",
            },
        )  # fmt: skip
    ),
    ("GET", f"{BASE}/appeals/{{appeal_id}}"): lambda s: _denied(s.as_outsiders("GET", f"{BASE}/appeals/{s.appeal}")),
    ("POST", f"{BASE}/appeals/{{appeal_id}}/colour"): lambda s: _denied(
        s.as_outsiders("POST", f"{BASE}/appeals/{s.appeal}/colour", json={"colour": "red", "reason": "越权改码"})
    ),
    ("POST", f"{BASE}/appeals/{{appeal_id}}/return-visit"): lambda s: _denied(
        s.as_outsiders("POST", f"{BASE}/appeals/{s.appeal}/return-visit", json={"satisfaction": 1})
    ),
    ("POST", f"{BASE}/visits"): lambda s: _denied(
        s.as_outsiders("POST", f"{BASE}/visits", json={"enterprise_id": s.world.other_co.id, "notes": "越权走访"})
    ),
    ("GET", f"{BASE}/{{enterprise_id}}/visits"): lambda s: _denied(
        s.as_outsiders("GET", f"{BASE}/{s.world.other_co.id}/visits")
    ),
    ("GET", f"{BASE}/projects"): lambda s: _clean(s.as_outsiders("GET", f"{BASE}/projects")),
    ("GET", f"{BASE}/projects/weekly-report"): lambda s: _clean(
        s.as_outsiders("GET", f"{BASE}/projects/weekly-report", params={"format": "csv"})
    ),
    ("GET", f"{BASE}/projects/{{project_id}}"): lambda s: _denied(
        s.as_outsiders("GET", f"{BASE}/projects/{s.project}")
    ),
    ("POST", f"{BASE}/projects/{{project_id}}/stages"): lambda s: _denied(
        s.as_outsiders("POST", f"{BASE}/projects/{s.project}/stages", json={"stage": "sign", "note": "越权"})
    ),
    ("POST", f"{BASE}/projects/{{project_id}}/blockers"): lambda s: _denied(
        s.as_outsiders(
            "POST", f"{BASE}/projects/{s.project}/blockers", json={"title": "越权", "description": "越权卡点"}
        )
    ),
    ("GET", f"{BASE}/per-mu"): lambda s: _clean(s.as_outsiders("GET", f"{BASE}/per-mu", params={"year": 2025})),
    ("GET", f"{BASE}/per-mu/export"): lambda s: _clean(
        s.as_outsiders("GET", f"{BASE}/per-mu/export", params={"year": 2025, "format": "csv"})
    ),
    ("GET", f"{BASE}/per-mu/policies"): lambda s: _clean(
        s.as_outsiders("GET", f"{BASE}/per-mu/policies", params={"year": 2025, "format": "csv"})
    ),
    ("POST", f"{BASE}/per-mu/import"): _import,
}


def test_no_route_reaches_another_area_or_enterprise(es_client: TestClient, session: Session) -> None:
    world = build_world(session)
    other = world.other_co
    project = Project(code="P1", name="富春纸业扩建", kind="industrial", investor=other.name, amount_wan=1000.0,
                      team="专班", leader="领导", enterprise_id=other.id, township_code=other.township_code,
                      path=other.path, lon=119.96, lat=30.02)  # fmt: skip
    session.add(project)
    session.add(PerMuFigures(enterprise_id=other.id, year=2025, above_scale=True, tax=100.0, land_mu=10.0))
    session.commit()
    created = es_client.post(f"{BASE}/appeals", headers=world.fuchun, json={"enterprise_id": other.id,
                             "category": "power", "title": "富春纸业诉求", "description": "线路老化"})  # fmt: skip
    assert created.status_code == 201, created.text
    scene = Scene(es_client, world, created.json()["id"], project.id)
    # the owners do see them (so the denials above are about scope, not broken routes)
    assert es_client.get(f"{BASE}/appeals/{scene.appeal}", headers=world.fuchun).status_code == 200
    assert es_client.get(f"{BASE}/projects/{project.id}", headers=world.fuchun).status_code == 200
    for route, check in CHECKS.items():
        try:
            check(scene)
        except AssertionError as failure:
            raise AssertionError(f"{route}: {failure}") from failure
