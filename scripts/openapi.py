"""Write the API's OpenAPI schema to ui/openapi.json, which the console's typed client is
generated from (`npm run gen` in ui/, part of its build).

`--check` writes nothing and exits 1 if the committed file differs from the API's schema, so
a change to the API that the console was not regenerated for fails the tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "ui" / "openapi.json"


def schema_text() -> str:
    """The schema of an app on default settings; `info.version` (the installed package's) is
    left out, so the file only changes with the API."""
    sys.path.insert(0, str(ROOT))
    from api.app import create_app
    from sluice.settings import Settings

    schema: dict[str, Any] = create_app(Settings()).openapi()
    schema["info"].pop("version", None)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = schema_text()
    if "--check" in argv:
        if SCHEMA_PATH.exists() and SCHEMA_PATH.read_text() == text:
            return 0
        print(
            f"{SCHEMA_PATH.relative_to(ROOT)} is stale: the API changed. Regenerate it with "
            f"`{sys.executable} {Path(__file__).relative_to(ROOT)}` and rebuild the console "
            "(scripts/build-ui.sh).",
            file=sys.stderr,
        )
        return 1
    SCHEMA_PATH.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
