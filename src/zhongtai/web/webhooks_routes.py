"""Console pages for outbound webhooks (head office): the subscriptions, each one's delivery log with every
attempt, and replays of dead letters (all of a subscription's, or one delivery)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from zhongtai.deps import SessionDep
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.web import csrf, nav, webhooks_view
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.formatting import url
from zhongtai.web.orders_routes import problem
from zhongtai.web.stock_routes import PageQuery
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
SubId = Annotated[int, Path(ge=1, le=2**63 - 1)]
StatusQuery = Annotated[Literal["pending", "delivered", "dead"] | None, Query()]
HOME = "/console/webhooks"


def _page(viewer: Viewer, title: str, **context: Any) -> dict[str, Any]:
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": title, "nav_active": HOME,
            **context}


@router.get(HOME)
def subscriptions_page(request: Request, session: SessionDep, viewer: ViewerDep, page: PageQuery = 1) -> HTMLResponse:
    """Every subscription with its URL, event types and deliveries by status."""
    rows, paging = webhooks_view.subscriptions(session, principal=viewer.principal, page=page)
    return render(request, "webhooks/list.html", _page(viewer, "page.webhooks", rows=rows, paging=paging))


@router.get(HOME + "/{subscription_id}")
def log_page(request: Request, session: SessionDep, viewer: ViewerDep, subscription_id: SubId,
             status: StatusQuery = None, page: PageQuery = 1, replayed: Annotated[int | None, Query(ge=0)] = None,
             ) -> HTMLResponse:
    """A subscription's delivery log, newest first, with every attempt; dead letters can be replayed."""
    return _log(request, session, viewer, subscription_id, status, page, notice=replayed)


def _log(request: Request, session, viewer: Viewer, subscription_id: int, status: str | None, page: int,
         *, notice: int | None = None, error: dict | None = None, code: int = 200) -> HTMLResponse:
    log = webhooks_view.delivery_log(session, principal=viewer.principal, subscription_id=subscription_id,
                                     status=status, page=page)
    context = _page(viewer, "page.webhook", log=log, statuses=webhooks_view.STATUSES, notice=notice, error=error)
    return render(request, "webhooks/detail.html", context, status=code)


@router.post(HOME + "/{subscription_id}/replay-dead", dependencies=[csrf.CsrfProtected])
def replay_dead(request: Request, session: SessionDep, viewer: ViewerDep, subscription_id: SubId) -> Response:
    """Send every dead letter of the subscription again."""
    return _replay(request, session, viewer, subscription_id, lambda: webhooks_view.replay_dead(
        session, principal=viewer.principal, subscription_id=subscription_id))


@router.post(HOME + "/{subscription_id}/deliveries/{delivery_id}/replay", dependencies=[csrf.CsrfProtected])
def replay_one(request: Request, session: SessionDep, viewer: ViewerDep, subscription_id: SubId,
               delivery_id: uuid.UUID) -> Response:
    """Send one delivery again (same event id and body)."""
    return _replay(request, session, viewer, subscription_id, lambda: webhooks_view.replay_one(
        session, principal=viewer.principal, subscription_id=subscription_id, delivery_id=delivery_id) and 1)


def _replay(request: Request, session, viewer: Viewer, subscription_id: int, act) -> Response:
    try:
        n = act()
    except ZhongtaiError as exc:
        session.rollback()
        if exc.status in (403, 404):
            raise
        return _log(request, session, viewer, subscription_id, None, 1, error=problem(request, exc), code=exc.status)
    return RedirectResponse(url(f"{HOME}/{subscription_id}", replayed=n), status_code=303)
