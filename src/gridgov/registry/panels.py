"""Panels that modules add to the registry's enterprise page (``/registry/enterprises/{id}``).

The core names no module: the application hands the enabled modules to the page (``app.state.modules``) and
the page asks each for its ``enterprise_panels`` (declared on ``gridgov.module.Module``), in module order."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gridgov.kit.principal import Principal

PanelContext = Callable[[Session, Principal, int], Mapping[str, object] | None]
"""(session, reader, enterprise id) → the template's context, or None when there is nothing to show."""


@dataclass(frozen=True)
class EnterprisePanel:
    key: str
    """Unique among the enabled modules' panels (``water.permits``); the panel's HTML id."""
    label: str
    """A translation key: the panel's heading."""
    template: str
    """A template in the module's ``templates/`` (``water/enterprise_panel.html``)."""
    context: PanelContext


def panels_of(modules: Sequence[Any]) -> list[EnterprisePanel]:
    """Every enterprise panel the enabled ``modules`` declare, in order."""
    return [panel for module in modules for panel in getattr(module, "enterprise_panels", ())]
