"""The finance page for head office: points, stored value and gift cards as liabilities month by month, breakage
on expiry, whether the ledgers reconcile, and the CSV for the accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.deps import SessionDep
from zhongtai.finance import service as finance
from zhongtai.kernel.auth import Role
from zhongtai.kernel.errors import Forbidden
from zhongtai.web import nav
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)


def _head_office(viewer: ViewerDep) -> Viewer:
    if viewer.principal.role != Role.HQ_ADMIN:
        raise Forbidden(detail={"required_roles": [Role.HQ_ADMIN.value]})
    return viewer


HeadOfficeDep = Annotated[Viewer, Depends(_head_office)]


def chart(rows: list[dict[str, int]]) -> dict[str, Any]:
    """Language-neutral chart data in yuan: liabilities at each month's end (stacked) and breakage (bars)."""
    def series(*keys: str) -> list[dict[str, Any]]:  # a list: the legend keeps this order
        return [{"key": k, "values": [r[k] / 100 for r in rows]} for k in keys]

    return {"months": [r["month"] for r in rows],
            "liabilities": series("sv_principal_outstanding_fen", "sv_bonus_outstanding_fen", "gc_outstanding_fen",
                                  "points_liability_fen"),
            "breakage": series("points_breakage_fen", "gc_breakage_fen", "sv_bonus_forfeited_fen")}


@router.get("/console/finance")
def finance_page(request: Request, session: SessionDep, viewer: HeadOfficeDep,
                 months: Annotated[int, Query(ge=1, le=120)] = 12) -> HTMLResponse:
    """Liabilities and breakage per month, reconciled with the ledgers."""
    view = finance.liabilities(session, months=months)
    return render(request, "finance.html", {
        "viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": "page.finance", "view": view,
        "rows": list(reversed(view["rows"])), "chart": chart(view["rows"]), "months": months})
