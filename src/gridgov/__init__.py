"""gridgov — 基层智治平台."""

__version__ = "0.1.0"
