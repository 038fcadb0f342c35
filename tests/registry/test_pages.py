"""The registry's pages render in both languages, keep to the reader's area and show modules' panels."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gridgov.config import Settings
from gridgov.db import Database
from gridgov.kit.principal import Principal
from gridgov.main import create_app
from gridgov.module import EnterprisePanel, Module
from gridgov.org.enums import Role
from gridgov.registry.credit_code import generate
from gridgov.registry.schemas import EnterpriseCreate, PlaceCreate
from gridgov.registry.service import RegistryService
from tests.factories import COUNTY, FUCHUN, WANSHI, build_county, user


def _panel(session: Session, reader: Principal, enterprise_id: int) -> Mapping[str, object] | None:
    return {"figure": enterprise_id * 10} if reader.can("registry.read") else None


PANEL_MODULE = Module(
    name="panel_probe",
    title="probe",
    package="tests.registry",
    templates="tests.registry",
    enterprise_panels=(EnterprisePanel("probe.figure", "registry.attributes", "probe/panel.html", _panel),),
)


def test_pages(db: Database, settings: Settings, session: Session) -> None:
    app: FastAPI = create_app(settings, db, modules=(PANEL_MODULE,))
    county = build_county(session)
    fuchun = user(session, county, "fuchun", Role.township_operator, FUCHUN)
    grid = user(session, county, "grid", Role.grid_member, f"{FUCHUN}001001")
    user(session, county, "admin", Role.admin, COUNTY)
    service = RegistryService(session)
    firm = service.create_enterprise(
        None,
        EnterpriseCreate(
            credit_code=generate("330111", 1),
            name="富春化工",
            industry_code="C2614",
            area_code=f"{FUCHUN}001001",
            contact_phone="13812345678",
            land_area_m2=6666.7,
        ),
    )
    service.create_enterprise(
        None,
        EnterpriseCreate(credit_code=generate("330111", 2), name="万市纸业", industry_code="C22", area_code=WANSHI),
    )
    service.create_place(
        None,
        PlaceCreate(
            code="P1",
            type_code="warehouse",
            name="化工仓库",
            area_code=f"{FUCHUN}001001",
            enterprise_id=firm.id,
            attributes={"hazardous_goods": True},
        ),
    )
    session.commit()
    with TestClient(app) as client:
        listed = client.get("/registry/enterprises", headers=fuchun)
        assert listed.status_code == 200 and "富春化工" in listed.text and "万市纸业" not in listed.text
        detail = client.get(f"/registry/enterprises/{firm.id}", headers=grid)
        assert detail.status_code == 200 and "138****5678" in detail.text and "化工仓库" in detail.text
        assert f'data-figure="{firm.id * 10}"' in detail.text and 'id="panel-probe.figure"' in detail.text
        places = client.get("/registry/places", params={"type": "warehouse"}, headers=fuchun)
        assert places.status_code == 200 and "存放危险品: 是" in places.text
        client.cookies.set("gridgov_lang", "en")
        english = client.get(f"/registry/enterprises/{firm.id}", headers=fuchun)
        assert "Credit code" in english.text and "统一社会信用代码" not in english.text
        assert "Stores hazardous goods: yes" in client.get("/registry/places", headers=fuchun).text
        assert "Warehouse" in english.text
        other = client.get("/registry/enterprises", params={"q": "万市"}, headers=fuchun)
        assert "万市纸业" not in other.text
