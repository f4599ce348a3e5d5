"""Every error the client raises belongs to one tree and says what went wrong in one line."""

import pytest

from filmstack import (
    APIError,
    AuthError,
    Client,
    ConfigurationError,
    Conflict,
    FilmstackError,
    InvalidInput,
    NotFound,
    TransportError,
)
from filmstack.errors import describe_detail, error_for_status
from tests.conftest import Keys, ServerThread, free_port


def test_the_tree() -> None:
    for api_error in (InvalidInput, AuthError, NotFound, Conflict):
        assert issubclass(api_error, APIError)
    for error in (APIError, TransportError, ConfigurationError):
        assert issubclass(error, FilmstackError)
    assert issubclass(ConfigurationError, ValueError)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidInput),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (409, Conflict),
        (413, InvalidInput),
        (422, InvalidInput),
        (500, APIError),
        (503, APIError),
    ],
)
def test_statuses_map_to_classes(status: int, cls: type[APIError]) -> None:
    error = error_for_status(status, "why")
    assert type(error) is cls and error.status == status and error.detail == "why"
    assert str(error) == f"{status}: why"


def test_validation_problems_read_as_field_and_message() -> None:
    detail = [
        {"loc": ["body", "sample", "sample_name"], "msg": "must not be empty"},
        {"loc": ["body", "layers", 0, "layer_id"], "msg": "Field required"},
    ]
    assert describe_detail(detail) == (
        "sample.sample_name: must not be empty; layers.0.layer_id: Field required"
    )


def test_invalid_input_from_the_server_names_the_field(fs: Client) -> None:
    with pytest.raises(InvalidInput) as caught:
        fs.create_target_material("m", "Si", [{"layer_id": 1, "composition_string": "Xx2"}])
    error = caught.value
    assert error.status == 422
    assert error.problems and "composition_string" in error.problems[0]["loc"]
    assert "composition_string" in str(error) and "\n" not in str(error)


def test_a_body_over_the_limit_is_invalid_input(fs: Client) -> None:
    with pytest.raises(InvalidInput) as caught:
        fs.create_target_material("m", "Si", sample_metadata={"blob": "x" * 2_000_000})
    assert caught.value.status == 413


def test_bad_chemistry_in_a_parse_is_invalid_input(fs: Client) -> None:
    with pytest.raises(InvalidInput, match="prompt"):
        fs.parse("BaTiO3 on Xx2")


def test_an_unknown_key_is_an_auth_error(server: ServerThread, keys: Keys) -> None:
    with Client("fs_not-a-key", server.url) as fs, pytest.raises(AuthError) as caught:
        fs.list_target_materials()
    assert caught.value.status == 401


def test_a_key_without_the_scope_is_an_auth_error(server: ServerThread, keys: Keys) -> None:
    with Client(keys.reader, server.url) as fs:
        assert fs.list_target_materials() == []
        with pytest.raises(AuthError) as caught:
            fs.create_target_material("m", "Si")
    assert caught.value.status == 403


def test_another_organizations_material_is_not_found(server: ServerThread, keys: Keys) -> None:
    with Client(keys.other, server.url) as rival, Client(keys.writer, server.url) as lab:
        theirs = rival.create_target_material("secret", "Si")
        with pytest.raises(NotFound) as caught:
            lab.get_target_material(theirs.sample_id)
        assert caught.value.status == 404
        assert caught.value.method == "GET" and str(theirs.sample_id) in caught.value.url


def test_a_taken_position_is_a_conflict(fs: Client) -> None:
    material = fs.create_target_material("m", "Si", [{"layer_id": 1, "composition_string": "Pt"}])
    with pytest.raises(Conflict) as caught:
        fs.add_layer(material.sample_id, 1, composition_string="Au")
    assert caught.value.status == 409


def test_no_server_listening_is_a_transport_error() -> None:
    fs = Client("k", f"http://127.0.0.1:{free_port()}/", retries=0)
    with fs, pytest.raises(TransportError, match="failed"):
        fs.list_target_materials()


def test_a_missing_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="No API key"):
        Client()


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_body_json_cannot_carry_is_a_configuration_error(fs: Client, value: float) -> None:
    with pytest.raises(ConfigurationError, match="finite"):
        fs.create_target_material("m", "Si", sample_metadata={"a": value})
    assert fs.list_target_materials() == []
