"""Console routes (server-rendered, Jinja2 + HTMX): sign-in, language, the stores page; the stock, order,
customer and overview pages come from their own modules."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from zhongtai.deps import SessionDep
from zhongtai.kernel import http
from zhongtai.kernel.errors import RateLimited
from zhongtai.staff.service import InvalidCredentials
from zhongtai.web import (
    auth,
    csrf,
    errors,
    finance_routes,
    ingest_mapping_routes,
    integration_routes,
    members_routes,
    nav,
    orders_routes,
    overview_routes,
    stock_routes,
    stores_view,
    webhooks_routes,
)
from zhongtai.web.auth import ViewerDep
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(stock_routes.router)
router.include_router(orders_routes.router)
router.include_router(members_routes.router)
router.include_router(overview_routes.router)
router.include_router(finance_routes.router)
router.include_router(webhooks_routes.router)
router.include_router(ingest_mapping_routes.router)  # before the hub: its paths are more specific
router.include_router(integration_routes.router)
http.serve_error_pages("/console", errors.error_page)
NextQuery = Annotated[str, Query(alias="next")]
NextForm = Annotated[str, Form(alias="next")]
SearchQuery = Annotated[str | None, Query(max_length=100)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home() -> RedirectResponse:
    return _see_other(auth.HOME)


@router.get("/console/login")
def login_form(request: Request, next_: NextQuery = auth.HOME) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", {"next": auth.safe_next(next_)})


@router.post("/console/login")
def login(request: Request, session: SessionDep, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = "",
          next_: NextForm = auth.HOME):
    """Sign in with username and password; a failure shows the form again with the reason."""
    try:
        csrf.check(request, csrf_token)
        user = auth.check_credentials(request, session, username=username, password=password)
    except (csrf.CsrfFailed, InvalidCredentials, RateLimited) as exc:
        context = {"next": auth.safe_next(next_), "username": username, "error": exc.code}
        return render(request, "login.html", context, status=exc.status)
    auth.sign_in(request, user)
    return _see_other(auth.safe_next(next_))


@router.post("/console/logout", dependencies=[csrf.CsrfProtected])
def logout(request: Request) -> RedirectResponse:
    """Sign out of the console."""
    auth.sign_out(request)
    return _see_other("/console/login")


@router.post("/console/locale", dependencies=[csrf.CsrfProtected])
def switch_locale(request: Request, locale: Annotated[Literal["zh", "en"], Form()],
                  next_: NextForm = auth.HOME) -> RedirectResponse:
    """Show the console in Chinese or English from now on."""
    request.session["locale"] = locale
    return _see_other(auth.safe_next(next_))


@router.get("/console/")
def stores_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The stores the user may see: on a map, per district, and in a searchable table."""
    principal = viewer.principal
    stores, total = stores_view.load(session, principal=principal)
    return render(request, "stores.html", {
        "viewer": viewer, "nav": nav.items_for(principal.role), "stores": stores, "total": total,
        "summary": stores_view.counts(session, principal=principal), "chart": stores_view.chart_data(stores),
        "title": "page.stores" if principal.all_stores else "page.my_store"})


@router.get("/console/stores/table")
def stores_table(request: Request, session: SessionDep, viewer: ViewerDep, q: SearchQuery = None) -> HTMLResponse:
    """The stores table alone, filtered by `q` (htmx swaps it in as the user types)."""
    stores, total = stores_view.load(session, principal=viewer.principal, q=q)
    return render(request, "_stores_table.html", {"stores": stores, "total": total, "q": q})
