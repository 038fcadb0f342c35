"""Water resources (水资源, seed 003 南浔): intake users and permits, online metering and its three rates, follow-up
cases, monthly plans with the month's bills (over-plan surcharge, 超计划累进加价) and 用水进度提醒函 issued by a
monthly pass, and the SL 651-2014 telemetry receiver. Benchmarking, statistics filing and fee collection are not
built yet (``docs/registry-and-follow-up.md``)."""
