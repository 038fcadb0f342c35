"""HTTP API of the in-app inbox."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from gridgov.deps import CurrentUser, SessionDep
from gridgov.notify.service import inbox, unread_count

router = APIRouter(tags=["notify 通知"])


class InboxItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class InboxRead(BaseModel):
    unread: int
    items: list[InboxItemRead]


@router.get("/inbox", response_model=InboxRead, summary="Your inbox (待办与通知), newest first")
def my_inbox(session: SessionDep, user: CurrentUser, unread_only: bool = False) -> InboxRead:
    items = inbox(session, user.person_id, unread_only=unread_only)
    return InboxRead(
        unread=unread_count(session, user.person_id), items=[InboxItemRead.model_validate(i) for i in items]
    )
