"""Configuration that is data (配置即数据): routing rules, thresholds, weights … as versioned documents,
shipped as defaults in the package and editable in the database."""
