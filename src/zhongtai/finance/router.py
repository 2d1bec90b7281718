"""Finance endpoints (head office): the monthly liability view as JSON or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from zhongtai.deps import SessionDep, require_scope
from zhongtai.finance import service
from zhongtai.finance.schemas import Liabilities
from zhongtai.kernel.auth import Principal, Role

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])
HeadOffice = Annotated[Principal, Depends(require_scope("members:read", Role.HQ_ADMIN))]
Months = Annotated[int | None, Query(ge=1, le=240, description="Only the last N months (balances still run "
                                                                  "from the first movement)")]


@router.get("/liabilities", response_model=Liabilities)
def liabilities(session: SessionDep, _: HeadOffice, months: Months = None):
    """Points, stored value and gift cards per month: issued, used, expired (breakage), outstanding, and
    whether the ledgers reconcile with the balances held now."""
    return service.liabilities(session, months=months)


@router.get("/liabilities.csv", response_class=Response)
def liabilities_csv(session: SessionDep, _: HeadOffice, months: Months = None):
    """The same months as CSV, for the accounts."""
    return Response(service.liabilities_csv(session, months=months), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="liabilities.csv"'})
