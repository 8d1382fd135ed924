"""The web console: static files the API serves (no build step)."""

from pathlib import Path

UI_DIR = Path(__file__).parent
INDEX_HTML = UI_DIR / "index.html"
STATIC_DIR = UI_DIR / "static"
