"""The acknowledgement (叫应) escalation policy and its clock (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ChannelName = Literal["inbox", "sms", "voice", "email", "webhook"]


class PolicyStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after_minutes: float = Field(gt=0, description="Minutes after the alert (re)started")
    channels: list[ChannelName] = Field(default_factory=list, description="Reach the unanswered again over these")
    escalate: bool = Field(default=True, description="Bring in the next tier up")


class LevelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[ChannelName] = Field(min_length=1)
    steps: list[PolicyStep] = Field(default_factory=list)

    @model_validator(mode="after")
    def _steps_in_order(self) -> LevelPolicy:
        times = [s.after_minutes for s in self.steps]
        if times != sorted(times):
            raise ValueError("steps must be in order of after_minutes")
        return self


class EscalationPolicy(BaseModel):
    """The ``notify.escalation`` document: one policy per alert level (red, orange, yellow, blue…)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    levels: dict[str, LevelPolicy]

    def for_level(self, level: str) -> LevelPolicy:
        found = self.levels.get(level)
        if found is None:
            raise KeyError(f"no escalation policy for level {level!r}")
        return found


def due_steps(policy: LevelPolicy, started_at: datetime, now: datetime, fired: Collection[int]) -> list[int]:
    """Indexes of the steps whose time has come and that have not fired in this round, in order."""
    elapsed = now - started_at
    return [
        index
        for index, step in enumerate(policy.steps)
        if index not in fired and elapsed >= timedelta(minutes=step.after_minutes)
    ]


def ack_text(title: str, body: str, reply_code: str, link: str | None, *, mark: str = "") -> str:
    """The Chinese SMS/voice/robot text of an alert (短信模板); ``mark`` (【演练】 for a drill) leads it."""
    parts = [mark, f"【{title.removeprefix(mark) if mark else title}】", body.strip()]
    parts.append(f"收到请回复 {reply_code} 确认。")
    if link:
        parts.append(f"或打开 {link} 确认。")
    return "".join(p for p in parts if p)
