"""The overview for head office and store managers: NPS per store, orders per channel, open complaints."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from zhongtai.deps import SessionDep
from zhongtai.kernel.errors import Forbidden, ZhongtaiError
from zhongtai.orders import service as orders
from zhongtai.web import csrf, nav, orders_view
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.orders_routes import PARTIAL, is_htmx, problem
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)


def _manager(viewer: ViewerDep) -> Viewer:
    if viewer.principal.role not in nav.OVERVIEW_ROLES:
        raise Forbidden(detail={"required_roles": [r.value for r in nav.OVERVIEW_ROLES]})
    return viewer


ManagerDep = Annotated[Viewer, Depends(_manager)]


def _complaints(session: Session, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    principal = viewer.principal
    return {"complaints": orders.complaints(session, principal=principal, status="open"),
            "stores": orders_view.visible_stores(session, principal=principal), **extra}


def _overview(session: Session, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    context = _complaints(session, viewer, **extra)
    nps = orders_view.nps_by_store(session, principal=viewer.principal, stores=context["stores"])
    totals = orders_view.channel_totals(session, principal=viewer.principal)
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": "page.overview",
            "nps": nps, "totals": totals, "chart": orders_view.overview_chart(nps, totals), **context}


@router.get("/console/overview")
def overview_page(request: Request, session: SessionDep, viewer: ManagerDep) -> HTMLResponse:
    """NPS by store, orders by channel and the open complaints of the viewer's stores."""
    return render(request, "overview.html", _overview(session, viewer))


@router.post("/console/overview/complaints/{feedback_id}/resolve", dependencies=[csrf.CsrfProtected])
def resolve(request: Request, session: SessionDep, viewer: ManagerDep, feedback_id: UUID,
            resolution: Annotated[str, Form(max_length=5000)] = "") -> Response:
    """Close a complaint with what was done; answers with the remaining open complaints."""
    try:
        orders_view.resolve_complaint(session, principal=viewer.principal, feedback_id=feedback_id,
                                      resolution=resolution)
    except ZhongtaiError as exc:
        session.rollback()
        failed = {"error": problem(request, exc), "failed_id": feedback_id, "resolution": resolution}
        if is_htmx(request):
            return render(request, "_complaints.html", _complaints(session, viewer, **failed),
                          status=exc.status, headers=PARTIAL)
        return render(request, "overview.html", _overview(session, viewer, **failed), status=exc.status)
    if not is_htmx(request):
        return RedirectResponse("/console/overview", status_code=303)
    return render(request, "_complaints.html", _complaints(session, viewer, notice="resolved"))
