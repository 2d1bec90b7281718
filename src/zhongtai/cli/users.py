"""`zhongtai users …`: staff accounts."""

from __future__ import annotations

import typer

from zhongtai.cli.common import console, unit_of_work
from zhongtai.kernel.auth import Principal, Role

app = typer.Typer(help="Staff users.", no_args_is_help=True)
SYSTEM = Principal(kind="user", id=0, name="cli", role=Role.HQ_ADMIN, all_stores=True)


@app.command("create")
def create(
    username: str = typer.Option(..., help="Login name."),
    password: str = typer.Option(..., help="Initial password (8+ characters)."),
    role: Role = typer.Option(..., help="hq_admin, store_manager or guide."),
    store: list[str] = typer.Option([], help="Store code (repeat for several); required for store roles."),
    display_name: str = typer.Option("", help="Name shown in the console."),
) -> None:
    """Create a staff user."""
    from pydantic import ValidationError

    from zhongtai.staff import service
    from zhongtai.staff.schemas import UserCreate

    try:
        user_in = UserCreate(username=username, password=password, role=role, store_codes=store,
                             display_name=display_name)
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with unit_of_work() as session:
        user = service.create_user(session, actor=SYSTEM, user_in=user_in)
        console.print(f"created user [bold]{user.username}[/bold] (id {user.id}, {user.role})")
