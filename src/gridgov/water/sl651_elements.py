"""SL 651-2014 附录 C 要素标识符: the element identifiers this codec names, with unit and the gridgov
sensing datastream property each maps to. Sources and scope: docs/sl651.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ElementSpec:
    """One element identifier. `size`/`decimals` are the usual data-type byte (N(x,y) of table C.1)
    used when encoding; decoding always follows the data-type byte actually sent."""

    identifier: str  # upper-case hex, "39"; extension identifiers are two bytes, "FF0E"
    name: str
    unit: str
    property: str | None  # gridgov sensing datastream property; None: not an observation
    size: int  # bytes
    decimals: int
    kind: str = "bcd"  # bcd | hex (status word) | step (time-step code) | series (5-minute series)


def _spec(
    identifier: str, name: str, unit: str, prop: str | None, size: int, decimals: int, kind: str = "bcd"
) -> ElementSpec:
    return ElementSpec(identifier, name, unit, prop, size, decimals, kind)


_TABLE: list[ElementSpec] = [
    _spec("02", "瞬时气温", "°C", "air_temperature", 2, 1),
    _spec("03", "瞬时水温", "°C", "water_temperature", 2, 1),
    _spec("04", "时间步长码", "", None, 3, 0, "step"),
    _spec("0E", "地下水瞬时埋深", "m", "groundwater_depth", 3, 2),
    _spec("1A", "1小时时段降水量", "mm", "rainfall_1h", 3, 1),
    _spec("1B", "2小时时段降水量", "mm", "rainfall_2h", 3, 1),
    _spec("1C", "3小时时段降水量", "mm", "rainfall_3h", 3, 1),
    _spec("1D", "6小时时段降水量", "mm", "rainfall_6h", 3, 1),
    _spec("1E", "12小时时段降水量", "mm", "rainfall_12h", 3, 1),
    _spec("1F", "日降水量", "mm", "rainfall_day", 3, 1),
    _spec("20", "当前降水量", "mm", "rainfall", 3, 1),
    _spec("21", "1分钟时段降水量", "mm", "rainfall_1min", 3, 1),
    _spec("22", "5分钟时段降水量", "mm", "rainfall_5min", 3, 1),
    _spec("23", "10分钟时段降水量", "mm", "rainfall_10min", 3, 1),
    _spec("24", "30分钟时段降水量", "mm", "rainfall_30min", 3, 1),
    _spec("26", "降水量累计值", "mm", "rainfall_total", 3, 1),
    _spec("27", "瞬时流量、抽水流量", "m3/s", "flow", 5, 3),
    *[_spec(f"{0x27 + n:02X}", f"取(排)水口流量{n}", "m3/s", f"flow_{n}", 5, 3) for n in range(1, 9)],
    _spec("30", "总出库流量、过闸总流量", "m3/s", "flow_total", 5, 3),
    _spec("37", "当前瞬时流速", "m/s", "velocity", 3, 3),
    _spec("38", "电源电压", "V", "voltage", 2, 2),
    _spec("39", "瞬时河道水位、潮位", "m", "water_level", 4, 3),
    _spec("3A", "库(闸、站)下水位", "m", "water_level_downstream", 4, 3),
    _spec("3B", "库(闸、站)上水位", "m", "water_level_upstream", 4, 3),
    *[_spec(f"{0x3B + n:02X}", f"取(排)水口水位{n}", "m", f"water_level_{n}", 4, 3) for n in range(1, 9)],
    _spec("45", "遥测站状态及报警信息", "", None, 4, 0, "hex"),
    *[_spec(f"{0x5F + n:02X}", f"水表{n}剩余水量", "m3", f"volume_remaining_{n}", 6, 3) for n in range(1, 9)],
    *[_spec(f"{0x67 + n:02X}", f"水表{n}每小时水量", "m3", f"volume_hourly_{n}", 5, 2) for n in range(1, 9)],
    _spec("F4", "1小时内每5分钟时段雨量", "mm", "rainfall_5min", 1, 1, "series"),
    *[
        _spec(f"{0xF4 + n:02X}", f"1小时内5分钟间隔相对水位{n}", "m", f"water_level_relative_{n}", 2, 2, "series")
        for n in range(1, 9)
    ],
]

ELEMENTS: dict[str, ElementSpec] = {spec.identifier: spec for spec in _TABLE}

STATION_TYPES: dict[int, str] = {
    0x50: "降水",
    0x48: "河道",
    0x4B: "水库(湖泊)",
    0x5A: "闸坝",
    0x44: "泵站",
    0x54: "潮汐",
    0x4D: "墒情",
    0x47: "地下水",
    0x51: "水质",
    0x49: "取水口",
    0x4F: "排水口",
}

FUNCTIONS: dict[int, str] = {
    0x2F: "链路维持报",
    0x30: "测试报",
    0x31: "均匀时段水文信息报",
    0x32: "遥测站定时报",
    0x33: "遥测站加报报",
    0x34: "遥测站小时报",
}

REPORT_FUNCTIONS = frozenset({0x30, 0x31, 0x32, 0x33, 0x34})


def unknown_spec(identifier: str, size: int, decimals: int) -> ElementSpec:
    """An identifier outside the table still decodes: the data-type byte says its size and decimals."""
    return ElementSpec(identifier, f"要素 {identifier}H", "", None, size, decimals)
