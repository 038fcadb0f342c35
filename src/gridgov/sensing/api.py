"""HTTP ingest of sensor readings: batches from gateways, through the observation writer."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, status

from gridgov.deps import WritingUser
from gridgov.errors import AppError, Forbidden, InvalidInput
from gridgov.sensing.parsing import REASONS, parse_items, refusal
from gridgov.sensing.runtime import SensingRuntime
from gridgov.sensing.schemas import IngestCounts, ObservationBatch
from gridgov.sensing.service import Batch

router = APIRouter(tags=["sensing 感知"])
GATEWAY_ROLES = frozenset({"api_client", "admin"})
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_ITEMS = 20_000


class PayloadTooLarge(AppError):
    status_code = 413


def runtime(request: Request) -> SensingRuntime:
    sensing: SensingRuntime = request.app.state.sensing
    return sensing


@router.post(
    "/sensing/observations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestCounts,
    summary="Ingest a batch of readings from a gateway (网关批量上传观测数据)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ObservationBatch.model_json_schema()}},
        }
    },
    responses={413: {"description": "Body too large"}, 422: {"description": "Body is not a JSON batch"}},
)
async def ingest(request: Request, user: WritingUser) -> IngestCounts:
    """Each item is checked on its own: good readings are stored (a repeat is counted, not stored twice),
    bad ones go to the dead-letter table with their reason. Answered once the rows are durable."""
    if not GATEWAY_ROLES & user.roles:
        raise Forbidden("只有网关账号可以上传观测数据 (needs an api_client gateway token)")
    sensing = runtime(request)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"请求体超过 {MAX_BODY_BYTES // 1024 // 1024} MB (body too large)")
    try:
        data: Any = json.loads(body)
        items = data.get("observations") if isinstance(data, dict) else None
    except (ValueError, RecursionError):
        items, reason = None, REASONS["bad_json"]
    else:
        reason = 'observations应为列表 (expected {"observations": [...]})'
    if not isinstance(items, list):
        await sensing.writer.run(Batch("http", [refusal("bad_json", reason, "body", body)], user.scope_paths))
        raise InvalidInput(reason, field="observations", extra={"dead_lettered": 1})
    if len(items) > MAX_ITEMS:
        raise PayloadTooLarge(f"每批最多 {MAX_ITEMS} 条 (at most {MAX_ITEMS} readings per batch)")
    parts = parse_items(items, body, sensing.settings.timezone)
    outcome = await sensing.writer.run(Batch("http", parts, user.scope_paths))
    return outcome.counts()
