"""The web console's entry page (static assets are mounted by the app)."""

from fastapi import APIRouter
from fastapi.responses import FileResponse

import ui

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The status page: latest tasks, refreshed every few seconds."""
    return FileResponse(ui.INDEX_HTML, media_type="text/html")
