"""Registries that several modules share (core): enterprises (企业, keyed by 统一社会信用代码) and places (场所).

One table each, so that the carbon steward, enterprise service, water and inspection modules describe the same
enterprise or place once; modules keep what is theirs (energy, appeals, permits, checks) in their own tables that
point here."""
