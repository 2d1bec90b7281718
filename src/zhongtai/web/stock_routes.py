"""Console pages for stock: a store's stock (live), find a SKU nearby, near expiry, and a SKU's movements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.deps import SessionDep
from zhongtai.web import nav, stock_view
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
StoreQuery = Annotated[int | None, Query(ge=1, description="Store or warehouse id; default the viewer's first")]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
TextQuery = Annotated[str, Query(max_length=100)]
HoursQuery = Annotated[int, Query(ge=1, le=24 * 90)]
EXPIRY_WINDOWS = (12, 24, 48, 72, 168)


def _page(viewer: Viewer, title: str, pick: stock_view.StorePick, **context: Any) -> dict[str, Any]:
    return {"viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": title, "pick": pick,
            "store": pick.current, **context}


@router.get("/console/stock")
def stock_page(request: Request, session: SessionDep, viewer: ViewerDep, store: StoreQuery = None,
               q: TextQuery = "", low: bool = False, page: PageQuery = 1) -> HTMLResponse:
    """A store's stock, searchable and filterable, with rows that update live."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    listing = _listing(session, pick, q=q, low=low, page=page)
    return render(request, "stock.html", _page(viewer, "page.stock", pick, listing=listing, q=q, low=low))


@router.get("/console/stock/table")
def stock_table(request: Request, session: SessionDep, viewer: ViewerDep, store: StoreQuery = None,
                q: TextQuery = "", low: bool = False, page: PageQuery = 1) -> HTMLResponse:
    """The stock table alone (htmx swaps it in as the user searches, filters or pages)."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    listing = _listing(session, pick, q=q, low=low, page=page)
    return render(request, "_stock_table.html", {"store": pick.current, "listing": listing, "q": q, "low": low})


def _listing(session: Session, pick: stock_view.StorePick, *, q: str, low: bool,
             page: int) -> stock_view.StockListing | None:
    if pick.current is None:
        return None
    return stock_view.stock_listing(session, store_id=pick.current.id, q=q, low_only=low, page=page)


@router.get("/console/stock/sku-suggestions")
def sku_suggestions(request: Request, session: SessionDep, _viewer: ViewerDep, sku: TextQuery = "") -> HTMLResponse:
    """SKUs matching what was typed so far, to pick from (htmx)."""
    return render(request, "_sku_suggestions.html", {"skus": stock_view.suggest_skus(session, sku), "text": sku})


@router.get("/console/stock/find")
def find_page(request: Request, session: SessionDep, viewer: ViewerDep, store: StoreQuery = None,
              sku: TextQuery = "", amount: Annotated[str, Query(max_length=20)] = "1") -> HTMLResponse:
    """Which stores and warehouses can supply a SKU now, nearest to the clerk's store first."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    lookup = stock_view.lookup_sku(session, sku)
    result = chart = None
    if lookup.sku and pick.current:
        result = stock_view.find_sources(session, sku=lookup.sku, amount_text=amount, origin=pick.current)
        chart = stock_view.sources_chart(result, lookup.sku)
    return render(request, "stock_find.html", _page(viewer, "page.find", pick, lookup=lookup, amount=amount,
                                                    result=result, chart=chart))


@router.get("/console/stock/expiring")
def expiring_page(request: Request, session: SessionDep, viewer: ViewerDep, store: StoreQuery = None,
                  hours: HoursQuery = 48) -> HTMLResponse:
    """Batches at a store expiring within the coming hours, soonest first."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    batches = stock_view.expiring(session, store=pick.current, hours=hours) if pick.current else []
    windows = sorted({*EXPIRY_WINDOWS, hours})
    return render(request, "stock_expiring.html", _page(viewer, "page.expiring", pick, batches=batches,
                                                        hours=hours, windows=windows))


@router.get("/console/stock/movements")
def movements_page(request: Request, session: SessionDep, viewer: ViewerDep, store: StoreQuery = None,
                   sku: TextQuery = "", page: PageQuery = 1) -> HTMLResponse:
    """A SKU's stock ledger at a store, newest first, with on hand over time."""
    pick = stock_view.pick_store(session, principal=viewer.principal, store_id=store)
    lookup = stock_view.lookup_sku(session, sku)
    ledger = None
    if lookup.sku and pick.current:
        ledger = stock_view.ledger(session, store=pick.current, sku=lookup.sku, page=page)
    return render(request, "stock_movements.html", _page(viewer, "page.movements", pick, lookup=lookup,
                                                         ledger=ledger))
