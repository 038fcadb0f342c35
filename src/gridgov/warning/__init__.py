"""Geo-hazard early warning (地灾智治): rolling rainfall, per-zone thresholds, four-colour warnings as CAP 1.2.

Pure logic (no I/O, property-tested): ``rainfall`` (rolling 1/3/6/12/24 h totals per gauge, exact under late
and repeated readings; effective antecedent rainfall), ``thresholds`` (tables per management level with
per-zone overrides, vectorised evaluation with fallback gauges), ``lifecycle`` (issue / upgrade / downgrade /
renew / cancel / expire), ``cap`` (CAP 1.2 XML and the Atom feed), ``coverage`` (nearest gauges, 200 m / 2 km).

Database: ``models`` (migration 0005), ``repository``, ``service`` (flushes, never commits), ``transfer``
(XLSX import/export), ``documents`` (config documents ``warning.thresholds`` and ``warning.policy``).

For callers (fan-out, 叫应, patrols): ``WarningService(session).evaluate(book, now)`` returns one
``ZoneChange`` per change (issued, upgraded, downgraded, renewed, cancelled, expired) with the zone, colour
before and after, the trigger (window, value, threshold, gauge) and the CAP identifier;
``WarningService.people_to_reach(zone)`` gives the zone's responsible people by level and
``WarningService.households(zone, principal)`` its threatened households (phones masked without
``pii:read``). ``rain_book_from_observations(now)`` rebuilds the rolling totals from stored readings.
"""
