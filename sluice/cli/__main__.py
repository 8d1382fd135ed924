"""`python -m sluice.cli ...`: the same commands as the `sluice` script."""

from sluice.cli import app

app()
