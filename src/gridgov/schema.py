"""Imports every model module so ``Base.metadata`` knows all tables (for Alembic and tests)."""

from gridgov.audit import models as audit_models
from gridgov.auth import models as auth_models
from gridgov.case import models as case_models
from gridgov.configdata import models as configdata_models
from gridgov.db import Base
from gridgov.evaluation import models as evaluation_models
from gridgov.notify import models as notify_models
from gridgov.org import models as org_models
from gridgov.sensing import models as sensing_models
from gridgov.warning import models as warning_models

metadata = Base.metadata
__all__ = [
    "audit_models",
    "auth_models",
    "case_models",
    "configdata_models",
    "evaluation_models",
    "metadata",
    "notify_models",
    "org_models",
    "sensing_models",
    "warning_models",
]
