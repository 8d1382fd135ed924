"""The web console (React + TypeScript in ui/src), built into ui/dist, which the API serves.

The build is not committed: `scripts/build-ui.sh` makes it (`./scripts/dev.sh` and
`./scripts/test.sh` run it), and the API answers 503 with that command while it is missing.
"""

import shlex
from pathlib import Path

UI_DIR = Path(__file__).parent
DIST_DIR = UI_DIR / "dist"
BUILD_COMMAND = shlex.quote(str(UI_DIR.parent / "scripts" / "build-ui.sh"))
