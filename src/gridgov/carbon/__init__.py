"""The park carbon steward module (园区碳管家, seed 000 上虞): enterprise energy to emissions with versioned factors,
the five carbon indicators, the composite index, benchmarking by capacity band, reduction potential, rooftop
PV advice and the monthly report."""
