"""The carbon module's Alembic branch (label ``carbon``, on core 0009: the shared enterprise registry)."""
