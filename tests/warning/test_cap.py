"""Every CAP message we build validates against the OASIS CAP 1.2 schema (schemas/cap12.xsd, see README)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from gridgov.warning.cap import (
    ATOM_NS,
    CAP_MIME,
    CAP_NS,
    IDENTIFIER,
    Area,
    CapMessage,
    FeedEntry,
    MsgType,
    Reference,
    Status,
    area_from_geojson,
    build_alert,
    build_feed,
    cap_identifier,
    cap_time,
    polygon_text,
    response_for,
    xml_text,
)
from gridgov.warning.enums import COLOURS, Colour

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "cap12.xsd")))
NS = {"cap": CAP_NS}
SENT = datetime(2026, 6, 20, 1, 30, 5, 123456, tzinfo=UTC)  # 09:30:05 in Beijing
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[119.95, 30.05], [119.96, 30.05], [119.96, 30.06], [119.95, 30.06], [119.95, 30.05]]],
}
GEOCODES = (("GB/T 2260", "330111"), ("统计用区划代码", "330111001"), ("统计用区划代码", "330111001001"))


def message(msg_type: MsgType = MsgType.alert, colour: Colour | None = Colour.red, **changes: object) -> CapMessage:
    refs = () if msg_type is MsgType.alert else (Reference("dzzh.330111@gridgov", ident(0), SENT),)
    fields: dict[str, object] = {
        "identifier": ident(1),
        "sender": "dzzh.330111@gridgov",
        "sent": SENT + timedelta(minutes=5),
        "msg_type": msg_type,
        "colour": colour,
        "headline": "富阳区银湖街道某村地质灾害气象风险红色预警",
        "description": "24小时雨量205.0毫米，达到红色预警阈值200.0毫米。",
        "instruction": "立即组织受威胁群众转移避让。",
        "area": area_from_geojson("富阳区银湖街道某村风险防范区", SQUARE, GEOCODES, 0.2),
        "sender_name": "富阳区地质灾害气象风险预警",
        "references": refs,
        "expires": SENT + timedelta(hours=24),
        "parameters": (("trigger_window", "24h"), ("rain_24h_mm", "205.0"), ("threshold_24h_mm", "200.0")),
    }
    fields.update(changes)
    return CapMessage(**fields)  # type: ignore[arg-type]


def ident(seq: int) -> str:
    return cap_identifier("330111", "000", "000", SENT, seq)


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def valid(xml: bytes) -> bool:
    return bool(SCHEMA.validate(etree.fromstring(xml)))


class TestIdentifier:
    def test_gbt_35965_pattern_in_beijing_time(self) -> None:
        assert ident(0) == "33011100000000_20260620093005_0"
        assert ident(137) == "33011100000013_20260620093005_7"
        assert len(ident(999)) == 31 and IDENTIFIER.match(ident(999))
        with pytest.raises(ValueError):
            ident(1000)

    def test_sent_has_the_offset_and_no_fraction(self) -> None:
        assert cap_time(SENT) == "2026-06-20T09:30:05+08:00"
        with pytest.raises(ValueError):
            cap_time(datetime(2026, 6, 20))


class TestMessages:
    @pytest.mark.parametrize("colour", COLOURS)
    @pytest.mark.parametrize("msg_type", [MsgType.alert, MsgType.update])
    def test_every_colour_and_type_validates(self, colour: Colour, msg_type: MsgType) -> None:
        xml = build_alert(message(msg_type, colour))
        assert valid(xml), SCHEMA.error_log
        root = parse(xml)
        response = response_for(colour)
        assert root.findtext("cap:msgType", namespaces=NS) == msg_type.value
        assert root.findtext("cap:info/cap:severity", namespaces=NS) == response.severity
        assert root.findtext("cap:info/cap:urgency", namespaces=NS) == response.urgency
        assert root.findtext("cap:info/cap:certainty", namespaces=NS) == response.certainty

    def test_fixed_elements_of_the_china_profile(self) -> None:
        root = parse(build_alert(message()))
        get = lambda path: root.findtext(path, namespaces=NS)  # noqa: E731
        assert get("cap:identifier") == ident(1) and get("cap:identifier").startswith("330111")
        assert get("cap:sent") == "2026-06-20T09:35:05+08:00"
        assert (get("cap:status"), get("cap:scope")) == ("Actual", "Public")
        assert get("cap:info/cap:language") == "zh-CN" and get("cap:info/cap:category") == "Geo"
        assert get("cap:info/cap:event") == "地质灾害气象风险预警"
        assert get("cap:info/cap:responseType") == "Evacuate"
        codes = root.findall("cap:info/cap:area/cap:geocode/cap:value", namespaces=NS)
        assert [c.text for c in codes] == ["330111", "330111001", "330111001001"]
        params = {
            p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
            for p in root.findall("cap:info/cap:parameter", namespaces=NS)
        }
        assert params == {"trigger_window": "24h", "rain_24h_mm": "205.0", "threshold_24h_mm": "200.0"}

    def test_red_certainty_observed_when_gauge_triggered_likely_when_forecast(self) -> None:
        assert response_for(Colour.red).certainty == "Observed"
        assert response_for(Colour.red, forecast=True).certainty == "Likely"

    def test_polygon_is_lat_lon_and_closed(self) -> None:
        root = parse(build_alert(message()))
        text = root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
        assert text is not None
        pairs = text.split()
        assert pairs[0] == "30.050000,119.950000" and pairs[0] == pairs[-1] and len(pairs) == 5
        assert polygon_text([(1.0, 2.0), (3.0, 2.0), (3.0, 4.0)]).split()[-1] == "2.000000,1.000000"
        with pytest.raises(ValueError):
            polygon_text([(1.0, 2.0), (3.0, 2.0)])

    def test_point_zone_becomes_a_circle(self) -> None:
        area = area_from_geojson("点状防范区", {"type": "Point", "coordinates": [119.9, 30.0]}, GEOCODES, 0.2)
        xml = build_alert(message(area=area))
        assert valid(xml)
        assert parse(xml).findtext("cap:info/cap:area/cap:circle", namespaces=NS) == "30.000000,119.900000 0.2"

    def test_multipolygon_gives_one_polygon_per_part(self) -> None:
        multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], SQUARE["coordinates"]]}
        xml = build_alert(message(area=area_from_geojson("两片", multi, GEOCODES, 0.2)))
        assert valid(xml) and len(parse(xml).findall("cap:info/cap:area/cap:polygon", namespaces=NS)) == 2

    def test_update_and_cancel_reference_the_earlier_message(self) -> None:
        earlier = Reference("dzzh.330111@gridgov", ident(0), SENT)
        xml = build_alert(message(MsgType.cancel, None, references=(earlier,), headline="解除预警"))
        assert valid(xml), SCHEMA.error_log
        root = parse(xml)
        assert (
            root.findtext("cap:references", namespaces=NS)
            == f"dzzh.330111@gridgov,{ident(0)},2026-06-20T09:30:05+08:00"
        )
        assert root.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
        with pytest.raises(ValueError, match="references"):
            build_alert(message(MsgType.update, references=()))

    def test_drills_are_exercises(self) -> None:
        xml = build_alert(message(status=Status.exercise))
        assert valid(xml) and parse(xml).findtext("cap:status", namespaces=NS) == "Exercise"

    def test_inconsistent_messages_are_refused(self) -> None:
        with pytest.raises(ValueError):
            build_alert(message(MsgType.cancel, Colour.red))
        with pytest.raises(ValueError):
            build_alert(message(MsgType.alert, None))
        with pytest.raises(ValueError):
            build_alert(message(identifier="330111-bad"))
        with pytest.raises(ValueError):
            build_alert(message(area=Area("无")))


class TestTheSchemaCatchesBrokenMessages:
    """The validation is real: deliberately broken variants of a valid message fail."""

    def broken(self, edit: str, replacement: str) -> bytes:
        xml = build_alert(message()).decode()
        assert edit in xml
        return xml.replace(edit, replacement, 1).encode()

    def test_utc_z_instead_of_an_offset(self) -> None:
        assert not valid(self.broken("2026-06-20T09:35:05+08:00", "2026-06-20T01:35:05Z"))

    def test_elements_out_of_order(self) -> None:
        assert not valid(
            self.broken(
                "<status>Actual</status>\n  <msgType>Alert</msgType>",
                "<msgType>Alert</msgType>\n  <status>Actual</status>",
            )
        )

    def test_unknown_severity(self) -> None:
        assert not valid(self.broken("<severity>Extreme</severity>", "<severity>红色</severity>"))

    def test_missing_required_element(self) -> None:
        assert not valid(self.broken("<scope>Public</scope>", ""))

    def test_wrong_namespace(self) -> None:
        assert not valid(self.broken(CAP_NS, "urn:oasis:names:tc:emergency:cap:1.1"))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([MsgType.alert, MsgType.update, MsgType.cancel]),
    st.sampled_from([*COLOURS]),
    st.integers(0, 999),
    st.text(min_size=1, max_size=40).filter(lambda t: xml_text(t).strip()),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)),
)
def test_any_message_validates(msg_type: MsgType, colour: Colour, seq: int, text: str, sent: datetime) -> None:
    text = text.strip() or "无"  # control characters are dropped by the builder
    xml = build_alert(
        message(
            msg_type,
            None if msg_type is MsgType.cancel else colour,
            identifier=cap_identifier("330111", "000", "000", sent, seq),
            sent=sent,
            headline=text,
            description=text,
        )
    )
    assert valid(xml), SCHEMA.error_log


class TestFeed:
    def test_atom_feed_lists_current_alerts_with_links_to_their_xml(self) -> None:
        entries = [
            FeedEntry(ident(i), f"预警{i}", SENT + timedelta(minutes=i), "红色预警", f"https://x/cap/{ident(i)}.xml")
            for i in range(3)
        ]
        xml = build_feed(
            entries,
            feed_id="urn:gridgov:330111:cap",
            title="富阳区地质灾害气象风险预警",
            self_url="https://x/cap/feed.atom",
            author="富阳区地质灾害气象风险预警",
            updated=SENT,
        )
        root = etree.fromstring(xml)
        atom = {"a": ATOM_NS}
        assert root.tag == f"{{{ATOM_NS}}}feed"
        assert root.findtext("a:updated", namespaces=atom) == "2026-06-20T09:32:05+08:00"
        found = root.findall("a:entry", namespaces=atom)
        assert len(found) == 3
        for entry, expected in zip(found, entries, strict=True):
            for required in ("a:id", "a:title", "a:updated"):
                assert entry.findtext(required, namespaces=atom)
            link = entry.find("a:link", namespaces=atom)
            assert link is not None and link.get("href") == expected.cap_url and link.get("type") == CAP_MIME

    def test_empty_feed(self) -> None:
        xml = build_feed([], feed_id="urn:x", title="t", self_url="https://x/f", author="a", updated=SENT)
        assert etree.fromstring(xml).findall(f"{{{ATOM_NS}}}entry") == []
