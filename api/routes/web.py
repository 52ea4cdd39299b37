"""The web explorer: a single-page app in api/web/, served by the API process itself at `/`.

`/static/...` serves its files (HTML, ES modules, CSS; nothing comes from a CDN). Every client-side route
(`/`, `/search`, `/assets/{id}`, its `/history` and `/lineage`, `/parties/{address}`, `/verify`,
`/verify/{certificate number}`, `/status`, `/trades`, `/trades/{exchange}/{number}`)
answers with the same `index.html`, so links can be shared, bookmarked and reloaded; the app reads the JSON
API at `/v1/...`, which this module leaves alone.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[1] / "web"

#: Only this origin's own scripts, styles and API; no inline script, no third party, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # The page is small and names its assets; always revalidate so a new release is picked up at once.
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@router.get("/")
@router.get("/search")
@router.get("/verify")
@router.get("/status")
@router.get("/recognitions")
def explorer() -> FileResponse:
    return _page()


@router.get("/assets/{asset_id}")
@router.get("/assets/{asset_id}/history")
@router.get("/assets/{asset_id}/lineage")
def explorer_asset(asset_id: str) -> FileResponse:
    return _page()


@router.get("/verify/{reference}")  # a certificate's public verification page, which its QR code opens
def explorer_certificate(reference: str) -> FileResponse:
    return _page()


@router.get("/parties/{address}")
def explorer_party(address: str) -> FileResponse:
    return _page()


@router.get("/trades")
@router.get("/trades/{exchange}/{number}")
def explorer_trades(exchange: str = "", number: str = "") -> FileResponse:
    return _page()


class _StaticFiles(StaticFiles):
    """Static files that are revalidated (ETag) rather than cached blindly, with the same hardening headers."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install(app: FastAPI) -> None:
    """Serves the explorer from `app`: its static files at /static and its pages."""
    app.mount("/static", _StaticFiles(directory=WEB_DIR), name="static")
    app.include_router(router)
