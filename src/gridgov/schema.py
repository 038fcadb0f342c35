"""Imports every model module so ``Base.metadata`` knows all tables (for Alembic and tests)."""

from gridgov.audit import models as audit_models
from gridgov.auth import models as auth_models
from gridgov.case import models as case_models
from gridgov.db import Base
from gridgov.notify import models as notify_models
from gridgov.org import models as org_models

metadata = Base.metadata
__all__ = ["audit_models", "auth_models", "case_models", "metadata", "notify_models", "org_models"]
