"""Commands of accounts and tokens: ``gridgov user add|disable|enable`` and ``gridgov token list|revoke``.

What a command writes is audited as the CLI's operator. Disabling an account (or revoking a token) takes
effect on the next request of every process sharing the database: each checks the row on every request.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from gridgov.auth.service import AuthService
from gridgov.config import get_settings
from gridgov.errors import AppError
from gridgov.kit.actor import set_actor
from gridgov.kit.cli import CLI_ACTOR, Groups, console, fail, migrated
from gridgov.kit.time import format_local
from gridgov.org.models import Person, RoleAssignment
from gridgov.org.schemas import PersonCreate, RoleGrant
from gridgov.org.service import OrgService


def user_add(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="Person's name (姓名)")],
    phone: Annotated[str, typer.Option(help="Mobile number (手机号)")],
    role: Annotated[
        list[str], typer.Option(help="role@node_code, e.g. township_operator@330111001 (default node: the county)")
    ],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a person with a login (创建账号). Passwords: 10+ characters, not a common one, not the demo's."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            repo = OrgService(session).repo
            root = repo.root()
            grants = []
            for item in role:
                role_name, _, node_code = item.partition("@")
                grants.append({"role": role_name, "node_code": node_code or (root.code if root else "")})
            data = PersonCreate(name=name, phone=phone, roles=[RoleGrant.model_validate(g) for g in grants])
            person = repo.person_by_phone(phone)
            if person is None:
                nodes = repo.nodes_by_codes([g.node_code for g in data.roles])
                missing = [g.node_code for g in data.roles if g.node_code not in nodes]
                if missing:
                    fail(f"未知节点 {missing[0] or '(no county yet)'} (unknown node)")
                person = Person(
                    name=data.name,
                    phone=data.phone,
                    roles=[RoleAssignment(role=g.role.value, node_id=nodes[g.node_code].id) for g in data.roles],
                )
                session.add(person)
                session.flush()
            AuthService(session, get_settings()).create_account(person, username, password)
    except AppError as exc:
        fail(exc.message)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"[green]✓[/green] account {username} created")


def _set_active(username: str, active: bool) -> None:
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            _, ended, revoked = AuthService(session, get_settings()).set_active(username, active)
    except AppError as exc:
        fail(exc.message)
    if active:
        console.print(f"[green]✓[/green] {username} enabled (sign-in allowed again; revoked tokens stay revoked)")
    else:
        console.print(f"[green]✓[/green] {username} disabled: {ended} session(s) ended, {revoked} token(s) revoked")


def user_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Disable an account: sign-in refused, its sessions ended and tokens revoked at once (停用账号)."""
    _set_active(username, False)


def user_enable(username: Annotated[str, typer.Argument()]) -> None:
    """Allow a disabled account to sign in again; its old tokens stay revoked (启用账号)."""
    _set_active(username, True)


def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this account's tokens")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also revoked and expired tokens")] = False,
) -> None:
    """API tokens: id, owner, name, first characters, dates (令牌列表). The secret itself is never stored."""
    database = migrated()
    try:
        with database.session() as session:
            rows = AuthService(session, get_settings()).tokens_of(username, usable_only=not all_)
    except AppError as exc:
        fail(exc.message)
    table = Table(title="API tokens (令牌)")
    for column in ("id", "account", "name", "prefix", "state", "created", "expires", "last used"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.username,
            row.name,
            row.prefix + "…",
            row.state,
            format_local(row.created_at),
            format_local(row.expires_at),
            format_local(row.last_used_at),
        )
    console.print(table)


def token_revoke(token_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Revoke an API token: refused by the API, Open311 and the gateways' HTTP ingest at once (吊销令牌)."""
    database = migrated()
    try:
        with database.session() as session:
            set_actor(session, CLI_ACTOR)
            revoked = AuthService(session, get_settings()).revoke_token(None, token_id)
    except AppError as exc:
        fail(exc.message)
    console.print(f"[green]✓[/green] token {revoked.id} ({revoked.username}: {revoked.name}) revoked")


def register(groups: Groups) -> None:
    user = groups.group("user")
    user.command("add")(user_add)
    user.command("disable")(user_disable)
    user.command("enable")(user_enable)
    token = groups.group("token")
    token.command("list")(token_list)
    token.command("revoke")(token_revoke)
