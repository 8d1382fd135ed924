"""What a rule may write as a step's options, checked, then built into its options dataclass."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from sluice.contracts import options_from_json

Options = TypeVar("Options")


class OptionsSpec(BaseModel):
    """The options of one step type as a rule writes them: sizes as "16MiB", durations as
    "2s", templates checked. Each spec builds the dataclass its plan carries
    (sluice/contracts/options.py), which owns the defaults: a field a rule may leave unset
    is None here, or defaults to the dataclass's own value.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def build(self, kind: type[Options]) -> Options:
        """These options as the dataclass `kind`; what is unset takes its default there."""
        return options_from_json(kind, self.model_dump(mode="json", exclude_none=True))
