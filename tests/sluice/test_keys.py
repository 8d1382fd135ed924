"""render_key: object keys from templates like `{host}/{relpath}`."""

import pytest

from sluice.contracts import DetectedFile
from sluice.keys import KEY_FIELDS, render_key
from sluice.settings import StorageSettings

FILE = DetectedFile(
    agent_id="agent-7",
    host="scanner-01",
    root="/srv/data/inbox",
    rel_path="2026/march/report.final.pdf",
    size=123,
    mtime_ns=1,
    detected_at="2026-03-04T05:06:07.891011+00:00",
)


def test_the_default_template_is_host_then_relative_path() -> None:
    template = StorageSettings().key_template
    assert template == "{host}/{relpath}"
    assert render_key(template, FILE) == "scanner-01/2026/march/report.final.pdf"


FIELD_VALUES = {
    "host": "scanner-01",
    "agent": "agent-7",
    "root": "inbox",
    "relpath": "2026/march/report.final.pdf",
    "name": "report.final.pdf",
    "stem": "report.final",
    "ext": "pdf",
    "date": "2026-03-04",
    "sha256": "{sha256}",  # left for the upload to fill in once it has hashed the file
}


def test_every_documented_field_is_checked_here() -> None:
    assert set(FIELD_VALUES) == set(KEY_FIELDS)


@pytest.mark.parametrize(("field", "value"), FIELD_VALUES.items())
def test_each_field_renders_its_part_of_the_file(field: str, value: str) -> None:
    assert render_key("{" + field + "}", FILE) == value


def test_fields_combine_with_literal_text() -> None:
    key = render_key("archive/{date}/{agent}/{root}/{stem}.{ext}", FILE)
    assert key == "archive/2026-03-04/agent-7/inbox/report.final.pdf"


def test_an_unknown_field_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="hostname"):
        render_key("{hostname}/{relpath}", FILE)


def test_a_file_without_extension_has_an_empty_ext() -> None:
    bare = DetectedFile("a", "h", "/r", "dir/README", 1, 1, "2026-01-01T00:00:00+00:00")
    assert render_key("{stem}|{ext}|{name}", bare) == "README||README"


def test_keys_never_start_with_a_slash() -> None:
    assert render_key("/{host}/{relpath}", FILE) == "scanner-01/2026/march/report.final.pdf"
    assert render_key("//{name}", FILE) == "report.final.pdf"
    assert not render_key("{root}/{name}", FILE).startswith("/")
