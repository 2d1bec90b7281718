"""Console pages for customers: search the members of one's stores and see a Customer 360; head office may
reveal a phone number, which is logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.deps import SessionDep
from zhongtai.kernel.auth import Role
from zhongtai.kernel.errors import ZhongtaiError
from zhongtai.web import csrf, members_view, nav
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.orders_routes import PARTIAL, is_htmx, problem
from zhongtai.web.stock_routes import PageQuery
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
MemberId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _may_reveal(viewer: Viewer) -> bool:
    # Only head office may unmask (the service enforces it; this only decides whether to offer the button).
    return viewer.principal.role == Role.HQ_ADMIN


def _page(session: Session, viewer: Viewer, member_id: int, **reveal: Any) -> dict[str, Any]:
    c360 = members_view.customer(session, principal=viewer.principal, member_id=member_id)
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": "page.member", "c": c360,
            "nav_active": "/console/members", "member_id": member_id, "may_reveal": _may_reveal(viewer),
            **reveal}


@router.get("/console/members")
def members_page(request: Request, session: SessionDep, viewer: ViewerDep,
                 q: Annotated[str, Query(max_length=100)] = "", page: PageQuery = 1) -> HTMLResponse:
    """Find members of one's stores by phone (exact), member number or name."""
    found = members_view.search(session, principal=viewer.principal, text=q, page=page)
    return render(request, "members.html", {"viewer": viewer, "nav": nav.items_for(viewer.principal.role),
                                            "title": "page.members", "found": found, "q": q})


@router.get("/console/members/{member_id}")
def member_page(request: Request, session: SessionDep, viewer: ViewerDep,
                member_id: MemberId) -> HTMLResponse:
    """Customer 360: profile, masked identities, tier, consents, merges and orders across channels."""
    return render(request, "member_detail.html", _page(session, viewer, member_id))


@router.post("/console/members/{member_id}/reveal", dependencies=[csrf.CsrfProtected])
def reveal(request: Request, session: SessionDep, viewer: ViewerDep, member_id: MemberId,
           purpose: Annotated[str, Form(max_length=1000)] = "") -> HTMLResponse:
    """The phone number in clear, for head office; the read is logged with its purpose."""
    try:
        found = members_view.reveal_phone(session, principal=viewer.principal, member_id=member_id,
                                          purpose=purpose)
    except ZhongtaiError as exc:
        session.rollback()
        context, status = {"reveal_error": problem(request, exc), "purpose": purpose}, exc.status
    else:
        context, status = {"revealed": found, "purpose": purpose.strip()}, 200
    if is_htmx(request):
        partial = {"member_id": member_id, "may_reveal": _may_reveal(viewer), **context}
        headers = PARTIAL if status >= 400 else None
        return render(request, "_reveal.html", partial, status=status, headers=headers)
    return render(request, "member_detail.html", _page(session, viewer, member_id, **context), status=status)
