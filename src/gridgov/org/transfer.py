"""Import and export of the org tree, units and people as XLSX/CSV (组织、单位、人员台账).

Imports are all or nothing: every row is checked first, every error is reported with its sheet,
row and column, and only a file without errors is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gridgov.kit.principal import Principal
from gridgov.kit.tabular import (
    CellError,
    Column,
    ImportFailed,
    Row,
    Sheet,
    read_csv,
    read_xlsx,
    write_csv,
    write_xlsx,
)
from gridgov.org.enums import NodeKind, Role, UnitKind
from gridgov.org.models import OrgNode, Person, Unit
from gridgov.org.repository import OrgRepository
from gridgov.org.schemas import ID_NUMBER_RE, PHONE_RE
from gridgov.org.service import reassign

NODE_KIND_LABELS = {
    NodeKind.county: "县(区)",
    NodeKind.township: "乡镇(街道)",
    NodeKind.village: "村(社区)",
    NodeKind.grid: "网格",
    NodeKind.microgrid: "微网格",
}
NODE_KIND_ALIASES = {
    **{label: kind for kind, label in NODE_KIND_LABELS.items()},
    **{kind.value: kind for kind in NodeKind},
    "县": NodeKind.county,
    "区": NodeKind.county,
    "县区": NodeKind.county,
    "乡": NodeKind.township,
    "镇": NodeKind.township,
    "乡镇": NodeKind.township,
    "街道": NodeKind.township,
    "村": NodeKind.village,
    "社区": NodeKind.village,
    "村社": NodeKind.village,
}
UNIT_KIND_LABELS = {
    UnitKind.department: "部门",
    UnitKind.office: "科室",
    UnitKind.platform: "平台",
    UnitKind.utility: "公用事业",
}
UNIT_KIND_ALIASES = {**{v: k for k, v in UNIT_KIND_LABELS.items()}, **{k.value: k for k in UnitKind}}
ROLE_LABELS = {
    Role.grid_member: "网格员",
    Role.village_cadre: "村社干部",
    Role.township_operator: "乡镇四平台",
    Role.county_dispatcher: "县级调度",
    Role.department_handler: "部门处置人员",
    Role.leader: "领导",
    Role.admin: "管理员",
    Role.resident: "居民",
    Role.enterprise: "企业",
    Role.api_client: "接口客户端",
    Role.sms_gateway: "短信网关",
}
ROLE_ALIASES = {**{v: k for k, v in ROLE_LABELS.items()}, **{k.value: k for k in Role}}

ORG_SHEET = Sheet(
    "组织",
    (
        Column("code", "编码"),
        Column("name", "名称"),
        Column("kind", "类型"),
        Column("parent_code", "上级编码", ("parent",), required=False),
    ),
)
UNIT_SHEET = Sheet(
    "单位",
    (
        Column("code", "编码"),
        Column("name", "名称"),
        Column("kind", "类型"),
        Column("node_code", "所在节点编码"),
    ),
)
PEOPLE_SHEET = Sheet(
    "人员",
    (
        Column("name", "姓名"),
        Column("phone", "手机号", ("手机", "电话")),
        Column("id_number", "身份证号", required=False),
        Column("roles", "角色", required=False),
        Column("units", "所属单位", required=False),
        Column("grids", "服务网格", required=False),
    ),
)
SHEETS = {"org": ORG_SHEET, "units": UNIT_SHEET, "people": PEOPLE_SHEET}
LIST_SEPARATORS = (";", "；", ",", "，", "、")


def _split(value: str) -> list[str]:
    for sep in LIST_SEPARATORS[1:]:
        value = value.replace(sep, ";")
    return [part.strip() for part in value.split(";") if part.strip()]


@dataclass
class ImportSummary:
    nodes_created: int = 0
    nodes_updated: int = 0
    units_created: int = 0
    units_updated: int = 0
    people_created: int = 0
    people_updated: int = 0


class OrgTransfer:
    def __init__(self, session: Session, principal: Principal | None = None) -> None:
        """``principal`` None means a trusted caller (the CLI run by an administrator)."""
        self.session = session
        self.repo = OrgRepository(session)
        self.principal = principal

    def _covers(self, path: str) -> bool:
        return self.principal is None or self.principal.covers(path)

    def _sees(self, person: Person) -> bool:
        if self.principal is None:
            return True
        return self.repo.person_visible(person.id, self.principal.scope_paths, list(self.principal.unit_ids))

    # export -----------------------------------------------------------------------------------
    def tables(self) -> list[tuple[Sheet, list[list[str]]]]:
        scope = None if self.principal is None else list(self.principal.scope_paths)
        nodes = [n for n in self.repo.all_nodes() if self._covers(n.path)]
        codes = {n.id: n.code for n in nodes}
        org_rows = [
            [
                n.code,
                n.name,
                NODE_KIND_LABELS[NodeKind(n.kind)],
                codes.get(n.parent_id, "") if n.parent_id else "",
            ]
            for n in nodes
        ]
        units = self.repo.units(scope)
        unit_rows = [[u.code, u.name, UNIT_KIND_LABELS[UnitKind(u.kind)], node_code] for u, node_code in units]
        people, _ = (
            self.repo.people(scope, limit=1_000_000) if scope is not None else self.repo.people(None, limit=1_000_000)
        )
        full = self.principal is None or self.principal.can("pii:read")
        people_rows = []
        for p in people:
            if not full:
                continue
            roles = ";".join(
                f"{ROLE_LABELS[Role(r.role)]}@{r.node.code}" + (f"#{r.level}" if r.level else "") for r in p.roles
            )
            people_rows.append(
                [
                    p.name,
                    p.phone,
                    p.id_number or "",
                    roles,
                    ";".join(m.unit.code for m in p.memberships),
                    ";".join(g.node.code for g in p.grids),
                ]
            )
        return [(ORG_SHEET, org_rows), (UNIT_SHEET, unit_rows), (PEOPLE_SHEET, people_rows)]

    def export_xlsx(self) -> bytes:
        return write_xlsx(self.tables())

    def export_csv(self, sheet_key: str) -> bytes:
        sheet = SHEETS[sheet_key]
        rows = {s.name: r for s, r in self.tables()}[sheet.name]
        return write_csv(sheet, rows)

    # import -----------------------------------------------------------------------------------
    def import_file(self, data: bytes, filename: str, sheet_key: str | None = None) -> ImportSummary:
        if filename.lower().endswith(".csv"):
            if sheet_key not in SHEETS:
                raise ImportFailed([CellError("-", 0, "-", "CSV需指定类型 org/units/people (say which sheet)")])
            rows, errors = read_csv(data, SHEETS[sheet_key])
            by_sheet = {SHEETS[sheet_key].name: rows}
        else:
            by_sheet, errors = read_xlsx(data, list(SHEETS.values()))
        if errors:
            raise ImportFailed(errors)
        return self.apply(
            by_sheet.get(ORG_SHEET.name, []),
            by_sheet.get(UNIT_SHEET.name, []),
            by_sheet.get(PEOPLE_SHEET.name, []),
        )

    def apply(self, org_rows: Sequence[Row], unit_rows: Sequence[Row], people_rows: Sequence[Row]) -> ImportSummary:
        errors: list[CellError] = []
        summary = ImportSummary()
        existing = {n.code: n for n in self.repo.all_nodes()}
        planned = self._plan_nodes(org_rows, existing, errors)
        paths = {code: n.path for code, n in existing.items()} | {code: p[3] for code, p in planned.items()}
        kinds = {code: n.kind for code, n in existing.items()} | {code: p[2].value for code, p in planned.items()}
        unit_plan = self._plan_units(unit_rows, paths, errors)
        people_plan = self._plan_people(people_rows, paths, kinds, {c for c, *_ in unit_plan}, errors)
        if errors:
            raise ImportFailed(errors)

        # write: parents before children (shorter paths first)
        for code, (name, parent_code, kind, path) in sorted(planned.items(), key=lambda item: item[1][3].count("/")):
            node = existing.get(code)
            if node is None:
                parent = existing[parent_code] if parent_code else None
                node = OrgNode(
                    code=code, name=name, kind=kind.value, parent_id=parent.id if parent else None, path=path
                )
                self.session.add(node)
                self.session.flush()
                existing[code] = node
                summary.nodes_created += 1
            elif node.name != name:
                node.name = name
                summary.nodes_updated += 1
        units = {u.code: u for u, _ in self.repo.units(None)}
        for code, name, unit_kind, node_code in unit_plan:
            unit = units.get(code)
            if unit is None:
                unit = Unit(code=code, name=name, kind=unit_kind.value, node_id=existing[node_code].id)
                self.session.add(unit)
                units[code] = unit
                summary.units_created += 1
            elif (unit.name, unit.kind, unit.node_id) != (name, unit_kind.value, existing[node_code].id):
                unit.name, unit.kind, unit.node_id = name, unit_kind.value, existing[node_code].id
                summary.units_updated += 1
        self.session.flush()
        people = self.repo.people_by_phones([p[1] for p in people_plan])
        for name, phone, id_number, roles, unit_codes, grid_codes in people_plan:
            person = people.get(phone)
            if person is None:
                person = Person(name=name, phone=phone)
                self.session.add(person)
                summary.people_created += 1
            else:
                summary.people_updated += 1
            person.name, person.id_number = name, id_number
            reassign(
                person,
                [(r.value, existing[c].id, lv) for r, c, lv in roles],
                [units[c].id for c in unit_codes],
                [existing[c].id for c in grid_codes],
            )
        self.session.flush()
        return summary

    def _plan_nodes(
        self, rows: Sequence[Row], existing: dict[str, OrgNode], errors: list[CellError]
    ) -> dict[str, tuple[str, str, NodeKind, str]]:
        """code → (name, parent_code, kind, path) for every valid row."""
        raw: dict[str, tuple[Row, str, str, NodeKind]] = {}
        for row in rows:
            code, name, parent = row.values["code"], row.values["name"], row.values.get("parent_code", "")
            kind = NODE_KIND_ALIASES.get(row.values["kind"])
            if not code or not code.isalnum() or len(code) > 32:
                errors.append(row.error("code", f"编码无效 (invalid code {code!r})"))
                continue
            if code in raw:
                errors.append(row.error("code", f"编码{code}重复 (duplicate code; first on row {raw[code][0].number})"))
                continue
            if not name:
                errors.append(row.error("name", "名称不能为空 (name is required)"))
            if kind is None:
                allowed = "/".join(NODE_KIND_LABELS.values())
                errors.append(row.error("kind", f"类型{row.values['kind']!r}无效，应为{allowed} (unknown kind)"))
                continue
            raw[code] = (row, name, parent, kind)
        planned: dict[str, tuple[str, str, NodeKind, str]] = {}

        def resolve(code: str, seen: frozenset[str]) -> str | None:
            if code in planned:
                return planned[code][3]
            row, name, parent_code, kind = raw[code]
            node = existing.get(code)
            if node is not None and (
                node.kind != kind.value or (parent_code and not node.path.endswith(f"{parent_code}/{code}/"))
            ):
                errors.append(
                    row.error("parent_code", f"{code}已存在且类型或上级不同 (exists with another kind/parent)")
                )
                return None
            parent_path: str | None = None
            expected = kind.parent_kind
            if not parent_code:
                if kind is not NodeKind.county:
                    errors.append(row.error("parent_code", f"{NODE_KIND_LABELS[kind]}必须有上级编码 (parent required)"))
                    return None
            elif parent_code in raw and parent_code not in seen:
                parent_path = resolve(parent_code, seen | {code})
                parent_kind = raw[parent_code][3]
                if parent_path is None:
                    return None
                if parent_kind is not expected:
                    errors.append(
                        row.error(
                            "parent_code",
                            f"上级{parent_code}是{NODE_KIND_LABELS[parent_kind]}，"
                            f"{NODE_KIND_LABELS[kind]}的上级应为{NODE_KIND_LABELS[expected] if expected else '-'}",
                        )
                    )
                    return None
            elif parent_code in existing:
                parent_node = existing[parent_code]
                parent_path = parent_node.path
                if parent_node.kind != (expected.value if expected else None):
                    errors.append(
                        row.error("parent_code", f"上级{parent_code}类型不符 (parent is a {parent_node.kind})")
                    )
                    return None
            else:
                errors.append(row.error("parent_code", f"上级编码{parent_code}不存在 (unknown parent)"))
                return None
            if parent_code and not code.startswith(parent_code):
                errors.append(
                    row.error("code", f"编码{code}必须以上级编码{parent_code}开头 (code extends parent code)")
                )
                return None
            path = (parent_path or "") + f"{code}/"
            target = path if node is None else node.path
            if not self._covers(target if node is not None else (parent_path or path)):
                errors.append(row.error("code", f"{code}不在您的辖区内 (outside your area)"))
                return None
            planned[code] = (name, parent_code, kind, path)
            return path

        for code in raw:
            resolve(code, frozenset())
        return planned

    def _plan_units(
        self, rows: Sequence[Row], paths: dict[str, str], errors: list[CellError]
    ) -> list[tuple[str, str, UnitKind, str]]:
        plan: list[tuple[str, str, UnitKind, str]] = []
        seen: set[str] = set()
        for row in rows:
            code, name, node_code = row.values["code"], row.values["name"], row.values["node_code"]
            kind = UNIT_KIND_ALIASES.get(row.values["kind"])
            ok = True
            if not code or code in seen:
                errors.append(row.error("code", f"单位编码为空或重复 (empty or duplicate code {code!r})"))
                ok = False
            if not name:
                errors.append(row.error("name", "名称不能为空 (name is required)"))
                ok = False
            if kind is None:
                errors.append(
                    row.error("kind", f"类型{row.values['kind']!r}无效，应为{'/'.join(UNIT_KIND_LABELS.values())}")
                )
                ok = False
            if node_code not in paths:
                errors.append(row.error("node_code", f"节点{node_code!r}不存在 (unknown node)"))
                ok = False
            elif not self._covers(paths[node_code]):
                errors.append(row.error("node_code", f"节点{node_code}不在您的辖区内 (outside your area)"))
                ok = False
            seen.add(code)
            if ok and kind is not None:
                plan.append((code, name, kind, node_code))
        return plan

    def _plan_people(
        self,
        rows: Sequence[Row],
        paths: dict[str, str],
        kinds: dict[str, str],
        new_units: set[str],
        errors: list[CellError],
    ) -> list[tuple[str, str, str | None, list[tuple[Role, str, int | None]], list[str], list[str]]]:
        known_units = {u.code: node_code for u, node_code in self.repo.units(None)}
        existing = self.repo.people_by_phones([r.values["phone"] for r in rows])
        plan = []
        seen: dict[str, int] = {}
        for row in rows:
            v = row.values
            before = len(errors)
            if not v["name"]:
                errors.append(row.error("name", "姓名不能为空 (name is required)"))
            if not PHONE_RE.match(v["phone"]):
                errors.append(row.error("phone", f"手机号{v['phone']!r}应为11位数字 (11-digit mobile number)"))
            elif v["phone"] in seen:
                errors.append(row.error("phone", f"手机号重复，首次出现在第{seen[v['phone']]}行 (duplicate phone)"))
            elif v["phone"] in existing and not self._sees(existing[v["phone"]]):
                errors.append(
                    row.error("phone", "该手机号属于辖区外人员 (phone belongs to a person outside your area)")
                )
            seen.setdefault(v["phone"], row.number)
            id_number = v.get("id_number") or None
            if id_number and not ID_NUMBER_RE.match(id_number):
                errors.append(row.error("id_number", "身份证号应为18位 (18-character ID number)"))
            roles: list[tuple[Role, str, int | None]] = []
            for item in _split(v.get("roles", "")):
                label, _, rest = item.partition("@")
                node_code, _, level = rest.partition("#")
                role = ROLE_ALIASES.get(label.strip())
                if role is None or node_code not in paths:
                    errors.append(row.error("roles", f"角色{item!r}无效，格式为 角色@节点编码 (role@node code)"))
                elif not self._covers(paths[node_code]):
                    errors.append(row.error("roles", f"{node_code}不在您的辖区内 (outside your area)"))
                elif level and not level.isdigit():
                    errors.append(row.error("roles", f"层级{level!r}应为数字 (level must be a number)"))
                else:
                    roles.append((role, node_code, int(level) if level else None))
            units = _split(v.get("units", ""))
            for code in units:
                if code not in known_units and code not in new_units:
                    errors.append(row.error("units", f"单位{code!r}不存在 (unknown unit)"))
            grids = _split(v.get("grids", ""))
            for code in grids:
                if kinds.get(code) not in (NodeKind.grid.value, NodeKind.microgrid.value):
                    errors.append(row.error("grids", f"{code!r}不是网格 (not a grid)"))
                elif not self._covers(paths[code]):
                    errors.append(row.error("grids", f"{code}不在您的辖区内 (outside your area)"))
            if not (roles or units or grids) and len(errors) == before:
                errors.append(row.error("roles", "至少需要角色、单位或服务网格之一 (give a role, unit or grid)"))
            if len(errors) == before:
                plan.append(
                    (
                        v["name"],
                        v["phone"],
                        id_number.upper() if id_number else None,
                        roles,
                        list(dict.fromkeys(units)),
                        list(dict.fromkeys(grids)),
                    )
                )
        return plan
