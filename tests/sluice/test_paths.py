"""resolve_in_root / owning_root: file operations never leave a configured root."""

from pathlib import Path

import pytest

from sluice.paths import OutsideRootError, owning_root, resolve_in_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    (path / "sub").mkdir(parents=True)
    (path / "sub" / "report.csv").write_text("a,b\n")
    return path


def test_a_relative_path_inside_the_root_resolves_to_the_file(root: Path) -> None:
    target = resolve_in_root(root, "sub/report.csv")
    assert target == (root / "sub" / "report.csv").resolve()
    assert target.read_text() == "a,b\n"


@pytest.mark.parametrize(
    "rel_path", ["..", "../secret", "sub/../../secret", "sub/..", "/etc/passwd", "", "."]
)
def test_escaping_absolute_and_empty_paths_are_refused(root: Path, rel_path: str) -> None:
    with pytest.raises(OutsideRootError):
        resolve_in_root(root, rel_path)


def test_a_symlink_pointing_outside_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not ship")
    (root / "link.txt").symlink_to(secret)
    (root / "linked-dir").symlink_to(tmp_path)

    for rel_path in ("link.txt", "linked-dir/secret.txt"):
        with pytest.raises(OutsideRootError, match="outside the agent's roots") as caught:
            resolve_in_root(root, rel_path)
        assert str(tmp_path) not in str(caught.value)  # where it leads is not for the asker


def test_a_symlink_pointing_inside_the_root_is_followed(root: Path) -> None:
    (root / "latest.csv").symlink_to(root / "sub" / "report.csv")
    (root / "alias").symlink_to(root / "sub", target_is_directory=True)

    assert resolve_in_root(root, "latest.csv") == (root / "sub" / "report.csv").resolve()
    assert resolve_in_root(root, "alias/report.csv") == (root / "sub" / "report.csv").resolve()


def test_a_root_reached_through_a_symlink_still_works(root: Path, tmp_path: Path) -> None:
    via_link = tmp_path / "inbox-link"
    via_link.symlink_to(root, target_is_directory=True)
    assert resolve_in_root(via_link, "sub/report.csv").read_text() == "a,b\n"


def test_owning_root_returns_a_configured_root(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    assert owning_root([other, root], str(root)) == root.resolve()
    assert owning_root([root], f"{root}/") == root.resolve()


def test_owning_root_refuses_a_root_that_is_not_configured(root: Path, tmp_path: Path) -> None:
    with pytest.raises(OutsideRootError, match="not one of this agent's roots"):
        owning_root([root], str(tmp_path))
    with pytest.raises(OutsideRootError):
        owning_root([root], str(root / "sub"))  # a subdirectory is not a root
    with pytest.raises(OutsideRootError):
        owning_root([], str(root))
