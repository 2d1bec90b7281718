"""Console page of the data hub: sources, batches, the quarantine by source and reason, replays, oversells."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from zhongtai.deps import SessionDep
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.web import csrf, integration_view, nav
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.formatting import url
from zhongtai.web.orders_routes import problem
from zhongtai.web.stock_routes import PageQuery
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/console/integration"
CodeQuery = Annotated[str, Query(max_length=64)]


def _page(viewer: Viewer, **context: Any) -> dict[str, Any]:
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": "page.integration",
            "nav_active": HOME, **context}


@router.get(HOME)
def hub_page(request: Request, session: SessionDep, viewer: ViewerDep, source: CodeQuery = "",
             reason: CodeQuery = "", page: PageQuery = 1,
             replayed: Annotated[int | None, Query(ge=0)] = None,
             accepted: Annotated[int | None, Query(ge=0)] = None) -> HTMLResponse:
    """Sources, recent batches, the quarantine (filtered by source and reason) and open oversells."""
    return _render(request, session, viewer, source, reason, page, notice=(replayed, accepted))


def _render(request: Request, session, viewer: Viewer, source: str, reason: str, page: int, *,
            notice=None, error=None, code: int = 200) -> HTMLResponse:
    hub = integration_view.hub(session, principal=viewer.principal, source=source, reason=reason, page=page)
    return render(request, "integration/hub.html", _page(viewer, hub=hub, notice=notice, error=error), status=code)


@router.post(HOME + "/replay", dependencies=[csrf.CsrfProtected])
def replay(request: Request, session: SessionDep, viewer: ViewerDep, source: Annotated[str, Form(max_length=64)],
           reason: Annotated[str, Form(max_length=64)] = "",
           external_id: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Replay one quarantined record, or all of a source's records quarantined for a reason."""
    try:
        result = integration_view.replay(session, principal=viewer.principal, source=source, reason=reason,
                                         external_id=external_id)
    except ZhongtaiError as exc:
        session.rollback()
        if exc.status in (403, 404):
            raise
        return _render(request, session, viewer, source, reason, 1, error=problem(request, exc), code=exc.status)
    return RedirectResponse(url(HOME, source=source, reason=reason, replayed=result["replayed"],
                                accepted=result["accepted"]), status_code=303)
