"""Console pages for orders: a store's fulfilment board (worked with htmx, refreshed every 15 s), printable
pick lists, the order list and an order's detail (routing explained, timeline)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Form, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from zhongtai.deps import SessionDep
from zhongtai.kernel import clock
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.orders.models import Order
from zhongtai.web import csrf, errors, i18n, nav, orders_view, stock_view
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.formatting import url
from zhongtai.web.stock_routes import PageQuery, StoreQuery
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
FilterQuery = Annotated[str, Query(max_length=32)]
Text = Annotated[str, Form(max_length=2000)]
# htmx swaps 2xx answers only; this header tells orders.js that an error answer is a partial to show.
PARTIAL = {"X-Console-Partial": "error"}


def _page(viewer: Viewer, title: str, **context: Any) -> dict[str, Any]:
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": title, **context}


def is_htmx(request: Request) -> bool:
    return bool(request.headers.get("HX-Request"))


def problem(request: Request, exc: ZhongtaiError) -> dict[str, Any]:
    """What the page says about a failed action: the translated message and, if known, the current status."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    return {"code": exc.code, "message": errors.message(i18n.locale_of(request), exc.status, exc.code),
            "current": detail.get("from")}


# --- the board ------------------------------------------------------------------------------------------

def _board(session: Session, viewer: Viewer, pick: stock_view.StorePick, **extra: Any) -> dict[str, Any]:
    columns = orders_view.board(session, store=pick.current) if pick.current else []
    return _page(viewer, "page.fulfilment", pick=pick, store=pick.current, columns=columns, now=clock.now(),
                 **extra)


@router.get("/console/fulfilment")
def fulfilment_page(request: Request, session: SessionDep, viewer: ViewerDep,
                    store: StoreQuery = None) -> HTMLResponse:
    """A store's open online orders in columns by stage, with the buttons each may use next."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    return render(request, "fulfilment.html", _board(session, viewer, pick))


@router.get("/console/fulfilment/board")
def board_partial(request: Request, session: SessionDep, viewer: ViewerDep,
                  store: StoreQuery = None) -> HTMLResponse:
    """The board alone (htmx refreshes it every 15 seconds)."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    return render(request, "_board.html", _board(session, viewer, pick))


def _act(request: Request, session: Session, viewer: Viewer, store_id: int | None, act: Callable[[], Order],
         notice: str) -> Response:
    """Do one board action and answer with the fresh board, saying what happened or what went wrong."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store_id)
    try:
        order = act()
    except ZhongtaiError as exc:
        session.rollback()  # a failed step may have flushed part of its work; none of it may be committed
        context = _board(session, viewer, pick, error=problem(request, exc))
        if is_htmx(request):
            return render(request, "_board.html", context, status=exc.status, headers=PARTIAL)
        return render(request, "fulfilment.html", context, status=exc.status)
    if not is_htmx(request):
        return RedirectResponse(url("/console/fulfilment", store=store_id), status_code=303)
    return render(request, "_board.html", _board(session, viewer, pick, notice=(notice, order.number)))


GroupPath = "/console/fulfilment/{order_id}/groups/{group_no}"


@router.post(GroupPath + "/ready", dependencies=[csrf.CsrfProtected])
def mark_ready(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID, group_no: int,
               store: StoreQuery = None, line: Annotated[list[int] | None, Form()] = None,
               picked: Annotated[list[str] | None, Form()] = None) -> Response:
    """Picked and packed; amounts typed for lines picked short (kg for weighed SKUs), blank for in full."""
    # The form sends each line number next to its amount; a hand-made post with extras just loses them.
    amounts = dict(zip(line or [], picked or [], strict=False))
    return _act(request, session, viewer, store, lambda: orders_view.ready(
        session, principal=viewer.principal, order_id=order_id, group_no=group_no, amounts=amounts,
        settings=request.app.state.settings), "ready")


@router.post(GroupPath + "/handover", dependencies=[csrf.CsrfProtected])
def hand_over(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID, group_no: int,
              store: StoreQuery = None, rider_name: Text = "", rider_phone: Text = "",
              partner: Text = "") -> Response:
    """Give a delivery to the rider, or a parcel to the carrier."""
    rider = {"rider_name": rider_name, "rider_phone": rider_phone, "partner": partner}
    return _act(request, session, viewer, store, lambda: orders_view.handover(
        session, principal=viewer.principal, order_id=order_id, group_no=group_no, rider=rider),
        "handed_over")


@router.post(GroupPath + "/complete", dependencies=[csrf.CsrfProtected])
def complete(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID, group_no: int,
             store: StoreQuery = None, pickup_code: Annotated[str, Form(max_length=100)] = "") -> Response:
    """The customer has the goods: a pickup after its code is verified, a delivery once delivered."""
    return _act(request, session, viewer, store, lambda: orders_view.complete(
        session, principal=viewer.principal, order_id=order_id, group_no=group_no, pickup_code=pickup_code),
        "verified" if pickup_code.strip() else "completed")


@router.post("/console/fulfilment/{order_id}/cancel", dependencies=[csrf.CsrfProtected])
def cancel(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID, store: StoreQuery = None,
           reason: Text = "") -> Response:
    """Cancel the order's open groups: stock released or put back, payment refunded."""
    return _act(request, session, viewer, store, lambda: orders_view.cancel(
        session, principal=viewer.principal, order_id=order_id, reason=reason), "cancelled")


# Registered after the fixed steps above, which this pattern would otherwise swallow.
@router.post(GroupPath + "/{step}", dependencies=[csrf.CsrfProtected])
def step(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID, group_no: int,
         step: Literal["accept", "start-picking"], store: StoreQuery = None) -> Response:
    """Accept a new order, or start picking an accepted one."""
    return _act(request, session, viewer, store, lambda: orders_view.advance(
        session, principal=viewer.principal, order_id=order_id, group_no=group_no, step=step),
        orders_view.STEPS[step])


@router.get("/console/fulfilment/{order_id}/pick-list")
def pick_list(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID,
              group: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    """A printable pick list for the order's groups at the viewer's stores."""
    detail, groups = orders_view.pick_list(session, principal=viewer.principal, order_id=order_id,
                                           group_no=group)
    return render(request, "pick_list.html", _page(viewer, "page.pick_list", detail=detail, groups=groups,
                                                   now=clock.now(), nav_active="/console/fulfilment"))


# --- orders ---------------------------------------------------------------------------------------------

@router.get("/console/orders")
def orders_page(request: Request, session: SessionDep, viewer: ViewerDep, status: FilterQuery = "",
                channel: FilterQuery = "", member: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
                page: PageQuery = 1) -> HTMLResponse:
    """Orders of every channel at the viewer's stores, newest first, filtered by status and channel."""
    listing = orders_view.order_listing(session, principal=viewer.principal, status=status, channel=channel,
                                        member_id=member, page=page)
    return render(request, "orders.html", _page(
        viewer, "page.orders", listing=listing, status=status, channel=channel, member=member,
        statuses=orders_view.STATUSES, channels=orders_view.CHANNELS,
        overview=viewer.principal.role in nav.OVERVIEW_ROLES))


@router.get("/console/orders/{order_id}")
def order_page(request: Request, session: SessionDep, viewer: ViewerDep, order_id: UUID) -> HTMLResponse:
    """One order: lines, groups, money, why it went where it went, and its timeline."""
    detail = orders_view.order_detail(session, principal=viewer.principal, order_id=order_id)
    context = _page(viewer, "page.order", detail=detail, explain=orders_view.explain,
                    nav_active="/console/orders")
    return render(request, "order_detail.html", context)
