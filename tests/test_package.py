"""Import purity, checked in a fresh interpreter: what each entry point loads and must not."""

import json
import subprocess
import sys
from pathlib import Path

import filmstack


def loaded_after(code: str) -> set[str]:
    """Top-level names and filmstack submodules in sys.modules after running `code` fresh."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


CLIENT_SIDE = {"filmstack.client", "filmstack.frames", "httpx", "pandas"}
SERVER_SIDE = {"fastapi", "starlette", "sqlalchemy", "uvicorn", "filmstack.server"}


def test_chemistry_loads_nothing_of_the_client_or_the_server() -> None:
    loaded = loaded_after("import filmstack.chemistry")
    assert not loaded & (CLIENT_SIDE | SERVER_SIDE | {"pydantic", "filmstack.schemas"})
    # pymatgen and spglib wait for the first formula or space group.
    assert not loaded & {"pymatgen", "spglib"}
    assert "filmstack.chemistry.formulas" in loaded


def test_the_package_alone_loads_neither_client_nor_server() -> None:
    loaded = loaded_after("import filmstack; assert filmstack.__version__")
    assert not loaded & (CLIENT_SIDE | SERVER_SIDE | {"pymatgen", "pydantic"})


def test_client_and_errors_are_still_importable_from_the_package() -> None:
    loaded = loaded_after(
        "from filmstack import *\n"
        "from filmstack import Client, NotFound, APIError\n"
        "assert issubclass(NotFound, APIError) and Client.__name__ == 'Client'"
    )
    assert "filmstack.client" in loaded
    for name in filmstack.__all__:
        assert getattr(filmstack, name) is not None
    assert set(filmstack.__all__) <= set(dir(filmstack))


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    try:
        filmstack.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as err:
        assert "NoSuchThing" in str(err)
    else:
        raise AssertionError("filmstack.NoSuchThing did not raise")


def test_a_server_worker_does_not_load_the_client(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    loaded = loaded_after(
        "import os\n"
        f"os.environ['FILMSTACK_DATABASE_URL'] = {url!r}\n"
        "from filmstack.server.app import app_from_environment\n"
        "app_from_environment()"
    )
    assert "filmstack.server.app" in loaded
    assert not loaded & CLIENT_SIDE


def test_version_has_one_source() -> None:
    from filmstack._version import __version__

    assert filmstack.__version__ == __version__
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert 'path = "src/filmstack/_version.py"' in pyproject
    assert json.dumps(__version__)
