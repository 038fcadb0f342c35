"""Water resources (水资源, seed 003 南浔): intake users and permits, online metering and its three rates, follow-up
cases, the over-plan surcharge arithmetic, and the SL 651-2014 telemetry receiver. Monthly plans, reminder letters,
stored bills, benchmarking and statistics filing are not built yet (``docs/registry-and-follow-up.md``)."""
