"""Generic helpers shared by every domain."""
