"""Imports every model module of the core and of the installed modules, so ``Base.metadata`` knows all tables
(for Alembic and tests)."""

from importlib import import_module

from gridgov.audit import models as audit_models
from gridgov.auth import models as auth_models
from gridgov.case import models as case_models
from gridgov.configdata import models as configdata_models
from gridgov.db import Base
from gridgov.evaluation import models as evaluation_models
from gridgov.module import installed
from gridgov.notify import models as notify_models
from gridgov.org import models as org_models
from gridgov.registry import models as registry_models
from gridgov.sensing import models as sensing_models

for _module in installed():
    for _name in _module.models:
        import_module(_name)

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
    "registry_models",
    "sensing_models",
]
