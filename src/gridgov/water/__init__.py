"""Water resources (水资源, seed 003 南浔): intake users, permits, online metering and its three rates, plans,
reminders and charges, benchmarking, and the SL 651-2014 telemetry receiver."""
