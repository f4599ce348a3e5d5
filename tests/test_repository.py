"""The repository stands alone: its licence, its docs, and no reference to files it lacks."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".git", ".venv", "test-artifacts", "vendor", "__pycache__", ".pytest_cache", ".mypy_cache"}
TEXT = {".py", ".md", ".js", ".html", ".css", ".toml", ".mako", ".txt", ".cfg", ".ini", ""}

# Names of documents that live outside this repository (spelled in pieces so that this file
# does not name them itself).
ELSEWHERE = [
    "STYLE" + ".md",
    "shared" + "/spec",
    "../" + "shared",
    "the project's API " + "specification",
    "chemistry " + "specification",
]


def _files() -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.endswith(".egg-info")]
        for name in names:
            path = Path(folder) / name
            if path.suffix in TEXT and name != "LICENSE":
                found.append(path)
    return found


def test_no_file_refers_to_documents_the_repository_lacks() -> None:
    files = _files()
    assert len(files) > 50 and ROOT / ".ci" / "run" in files
    offending = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in ELSEWHERE
        if name.lower() in path.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert offending == []


def test_the_licence_matches_pyproject() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "Copyright (c)" in licence and "the filmstack authors" in licence
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "docs/api.md",
        "docs/chemistry.md",
        "docs/architecture.md",
        "docs/client.md",
        "docs/cli.md",
        "CONTRIBUTING.md",
    ],
)
def test_the_contract_and_the_guides_are_here(name: str) -> None:
    assert len((ROOT / name).read_text(encoding="utf-8")) > 1000


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for page in [p for p in _files() if p.suffix == ".md"]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_readme_starts_with_its_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert blocks[:2] == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/filmstack serve",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]
    assert readme.index(blocks[1]) < readme.index("\n## ")
    for page in ("docs/chemistry.md", "docs/architecture.md", "CONTRIBUTING.md", "LICENSE"):
        assert f"]({page})" in readme, page
