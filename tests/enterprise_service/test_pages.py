"""The pages in both languages: desk with filters, an appeal with its forms, the record form, projects with the
timeline, the 亩均 list; an enterprise account sees only its own; English pages show no Chinese labels."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.enterprise_service.models import PerMuFigures, Project, ProjectStage
from gridgov.i18n import LOCALE_COOKIE
from tests.enterprise_service.conftest import World

CJK = re.compile(r"[\u4e00-\u9fff]")


def _labels(html: str) -> str:
    """The page's text without data (enterprise names, titles, numbers are data, not labels)."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    text = re.sub(r'<(span|small|dd) class="[^"]*es-data[^"]*">.*?</\1>', "", text, flags=re.S)  # records' own text
    text = re.sub(r"<[^>]+>", " ", text)
    for data in (
        "富春汽配有限公司",
        "富春纸业有限公司",
        "万市机械有限公司",
        "线路老化",
        "供电诉求",
        "扩建",
        "领导",
        "专班",
        "测试人员",
        "企业联系人",
        "工业区",
        "中文",
    ):
        text = text.replace(data, "")
    return text


def test_pages_in_both_languages(es_client: TestClient, world: World, session: Session) -> None:
    created = es_client.post(
        "/api/v1/enterprises/appeals",
        headers=world.fuchun,
        json={"enterprise_id": world.other_co.id, "category": "power", "title": "供电诉求", "description": "线路老化"},
    )
    appeal = created.json()["id"]
    project = Project(
        code="P1",
        name="扩建",
        kind="industrial",
        investor="x",
        amount_wan=1000.0,
        team="专班",
        leader="领导",
        enterprise_id=world.other_co.id,
        township_code=world.other_co.township_code,
        path=world.other_co.path,
        lon=119.96,
        lat=30.02,
    )
    session.add(project)
    session.flush()
    session.add(ProjectStage(project_id=project.id, stage="sign", planned=None, actual=None, note=""))
    session.add(
        PerMuFigures(
            enterprise_id=world.other_co.id, year=2025, above_scale=False, tax=50.0, land_mu=10.0, electricity_mwh=100.0
        )
    )
    session.commit()
    pages = [
        "/enterprise-service",
        "/enterprise-service?colour=green&open_only=true",
        f"/enterprise-service/appeals/{appeal}",
        "/enterprise-service/record",
        "/enterprise-service/projects",
        f"/enterprise-service/projects/{project.id}",
        "/enterprise-service/per-mu?year=2025",
    ]
    for url in pages:
        zh = es_client.get(url, headers=world.fuchun)
        assert zh.status_code == 200, (url, zh.text[:300])
        es_client.cookies.set(LOCALE_COOKIE, "en")
        en = es_client.get(url, headers=world.fuchun)
        es_client.cookies.delete(LOCALE_COOKIE)
        assert en.status_code == 200
        assert not CJK.search(_labels(en.text).replace("测试人员", "")), (url, CJK.findall(_labels(en.text))[:20])
    desk = es_client.get("/enterprise-service", headers=world.fuchun).text
    assert "供电诉求" in desk and 'data-colour="green"' in desk
    assert "供电诉求" not in es_client.get("/enterprise-service", headers=world.wanshi).text
    assert "供电诉求" not in es_client.get("/enterprise-service", headers=world.company).text
    assert es_client.get(f"/enterprise-service/appeals/{appeal}", headers=world.company).status_code == 404
    assert es_client.get(f"/enterprise-service/projects/{project.id}", headers=world.wanshi).status_code == 404
