"""Console page for e-commerce field mappings (head office): each shop platform's mapping, set from a preset
or pasted JSON (checked first, every problem listed), and a preview of what a platform body becomes."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from zhongtai.deps import SessionDep
from zhongtai.integration import mapping_admin
from zhongtai.integration.mapping_presets import PRESETS
from zhongtai.kernel.auth import Role
from zhongtai.kernel.errors import Forbidden, ZhongtaiError
from zhongtai.web import csrf, nav
from zhongtai.web.auth import Viewer, ViewerDep
from zhongtai.web.formatting import url
from zhongtai.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/console/integration/mappings"
Code = Annotated[str, Path(max_length=64)]
Text = Annotated[str, Form(max_length=200_000)]


class HeadOfficeOnly(Forbidden):
    code, message = "head_office_only", "Only head office manages field mappings"


def _viewer(viewer: Viewer) -> Viewer:
    if viewer.principal.role != Role.HQ_ADMIN:
        raise HeadOfficeOnly()
    return viewer


def _render(request: Request, session, viewer: Viewer, *, code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, "integration_mappings.html", {
        "viewer": viewer, "nav": nav.items_for(viewer.principal.role), "title": "page.mappings",
        "nav_active": HOME, "sources": mapping_admin.ecommerce_sources(session), "presets": PRESETS,
        "focus": "", "problems": [], "preview": None, "body": "", "mapping_text": "", "saved": "", **context},
        status=code)


@router.get(HOME)
def mappings_page(request: Request, session: SessionDep, viewer: ViewerDep,
                  saved: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """Every e-commerce source with its field mapping."""
    return _render(request, session, _viewer(viewer), saved=saved)


@router.post(HOME + "/{code}", dependencies=[csrf.CsrfProtected])
def set_mapping(request: Request, session: SessionDep, viewer: ViewerDep, code: Code,
                preset: Annotated[str, Form(max_length=64)] = "", mapping_json: Text = "") -> Response:
    """Give a source a preset's mapping, or a pasted one; a wrong one is listed problem by problem."""
    _viewer(viewer)
    try:
        mapping = json.loads(mapping_json) if mapping_json.strip() else preset
        mapping_admin.set_mapping(session, code=code, mapping=mapping)
    except (json.JSONDecodeError, mapping_admin.MappingRefused) as exc:
        session.rollback()
        problems = exc.detail["problems"] if isinstance(exc, ZhongtaiError) else [f"JSON: {exc}"]
        return _render(request, session, viewer, code=422, focus=code, problems=problems, mapping_text=mapping_json)
    return RedirectResponse(url(HOME, saved=code), status_code=303)


@router.post(HOME + "/{code}/preview", dependencies=[csrf.CsrfProtected])
def preview(request: Request, session: SessionDep, viewer: ViewerDep, code: Code, body: Text) -> HTMLResponse:
    """What a pasted platform body becomes under the source's mapping (nothing is written)."""
    _viewer(viewer)
    try:
        records = mapping_admin.preview(session, code=code, body=json.loads(body))
    except json.JSONDecodeError as exc:
        return _render(request, session, viewer, code=422, focus=code, problems=[f"JSON: {exc}"], body=body)
    except mapping_admin.MappingRefused as exc:
        return _render(request, session, viewer, code=422, focus=code, problems=exc.detail["problems"], body=body)
    shown = [{"external_id": r.external_id, "reason": r.reason,
              "data": json.dumps(r.data, ensure_ascii=False, indent=2) if r.data else ""} for r in records]
    return _render(request, session, viewer, focus=code, preview=shown, body=body)
