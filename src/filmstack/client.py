"""The filmstack Python client: one method per endpoint, typed answers, one exception tree.

    from filmstack import Client

    with Client() as fs:                       # key and endpoint from the environment
        material = fs.create_from_text("10 nm BaTiO3 (001) / SrTiO3 on Si")
        frame = fs.list_target_materials(as_frame=True)

Synchronous, built on httpx. Pass `transport=` to talk to an app in-process (tests do).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from filmstack.client_base import (
    UNSET,
    _Unset,
    conditional,
    ids,
    retry_after_seconds,
)
from filmstack.client_records import RecordsMixin
from filmstack.errors import MissingSubstrate
from filmstack.exchange import ExchangeMixin
from filmstack.frames import epitaxy_frame, materials_frame, physical_samples_frame
from filmstack.notebook import MaterialView
from filmstack.schemas import (
    ApiKeyInfo,
    Health,
    Layer,
    LayerIn,
    Material,
    MaterialRow,
    NewApiKey,
    ParseResult,
    PhysicalSample,
    PhysicalSampleRow,
)
from filmstack.schemas_epitaxy import EpitaxyReport, Interface, LatticeRowOut

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

LayerInput = LayerIn | Mapping[str, Any]
IfMatch = str | None


# ------------------------------------------------------------------------------ client


class Client(RecordsMixin, ExchangeMixin):
    """A connection to a filmstack server (or the public Atomscale service, for its calls).

    Args:
        api_key: sent as X-API-KEY. Default: FILMSTACK_API_KEY, AS_API_KEY, then `filmstack login`.
        endpoint: base URL. Default: FILMSTACK_ENDPOINT, AS_API_ENDPOINT, the login, then
            http://127.0.0.1:8000/.
        timeout: seconds (or an httpx.Timeout) for each request.
        retries: how often a request that is safe to repeat is repeated after 429/502/503/504
            or a network error. Creates are safe: each carries an Idempotency-Key, and the
            repeat sends the same key, so the server answers it with the first answer.
        max_retry_wait: longest Retry-After (seconds) the client will wait; a longer one fails.
        transport: an httpx transport, e.g. to call an app in-process.

    Every write on an existing material takes `if_match=` (an ETag, e.g. `material.etag`):
    the server then refuses the write with PreconditionFailed if someone changed the material
    since, instead of overwriting their change.
    """

    # ------------------------------------- target materials (the public Atomscale calls)

    def create_target_material(
        self,
        sample_name: str,
        substrate: str,
        layers: Iterable[LayerInput] = (),
        *,
        sample_metadata: Mapping[str, Any] | None = None,
        substrate_orientation: str | None = None,
        detail_note_content: str | None = None,
        idempotency_key: str | None = None,
    ) -> Material:
        """Create a target material with its stack (layer_id 1 sits on the substrate).

        `detail_note_content` (filmstack only) is written as its note in the same request.
        `idempotency_key`: the Idempotency-Key to send (default: a fresh random one); the same
        key with the same body creates the material once, however often it is sent.
        """
        sample: dict[str, Any] = {"sample_name": sample_name, "substrate": substrate}
        if sample_metadata is not None:
            sample["sample_metadata"] = dict(sample_metadata)
        if substrate_orientation is not None:
            sample["substrate_orientation"] = substrate_orientation
        if detail_note_content is not None:
            sample["detail_note_content"] = detail_note_content
        body = {"sample": sample, "layers": [_layer_body(layer) for layer in layers]}
        headers = self._key_header(idempotency_key)
        return self._material(Material, "POST", "target-materials/", json=body, headers=headers)

    def create_from_text(
        self,
        text: str,
        *,
        name: str | None = None,
        substrate: str | None = None,
        sample_metadata: Mapping[str, Any] | None = None,
        detail_note_content: str | None = None,
        idempotency_key: str | None = None,
    ) -> Material:
        """Parse a stack written film first ("10 nm BaTiO3 (001) / SrTiO3 on Si"), then create it.

        Positions are numbered from the substrate up; the name defaults to the parser's
        material_name. `substrate` overrides (or supplies) the one the text names. An
        orientation given with the substrate goes to the extension field substrate_orientation;
        `5 u.c.` thicknesses get nanometres from the lattice table on the server.
        """
        parsed = self.parse(text)
        substrate = substrate if substrate is not None else parsed.substrate
        if not substrate.strip():
            raise MissingSubstrate(
                f"{text!r} names no substrate: end it with 'on <substrate>' or pass substrate=",
                text=text,
            )
        return self.create_target_material(
            name or parsed.material_name,
            substrate,
            parse_result_layers(parsed),
            sample_metadata=sample_metadata,
            substrate_orientation=parsed.substrate_orientation,
            detail_note_content=detail_note_content,
            idempotency_key=idempotency_key,
        )

    @overload
    def list_target_materials(
        self,
        *,
        name: str | None = ...,
        substrate: str | None = ...,
        elements: Sequence[str] = ...,
        as_frame: Literal[False] = ...,
    ) -> list[MaterialRow]: ...

    @overload
    def list_target_materials(
        self,
        *,
        name: str | None = ...,
        substrate: str | None = ...,
        elements: Sequence[str] = ...,
        as_frame: Literal[True],
    ) -> "pd.DataFrame": ...

    def list_target_materials(
        self,
        *,
        name: str | None = None,
        substrate: str | None = None,
        elements: Sequence[str] = (),
        as_frame: bool = False,
    ) -> "list[MaterialRow] | pd.DataFrame":
        """Every target material of your organization, one row per layer, in one request.

        Filters (filmstack only): `name` is a case-insensitive substring, `substrate` exact,
        `elements` all must occur in the stack. `as_frame=True` gives a pandas DataFrame.
        """
        params = _filters(name, substrate, elements)
        data = self._json("GET", "target-materials/", params=params or None)
        rows = [MaterialRow.model_validate(row) for row in data]
        return materials_frame(rows) if as_frame else rows

    def iter_target_materials(
        self,
        *,
        name: str | None = None,
        substrate: str | None = None,
        elements: Sequence[str] = (),
        page_size: int = 500,
    ) -> Iterator[MaterialRow]:
        """Rows like list_target_materials, fetched lazily page by page (filmstack only).

        A page holds `page_size` materials and never splits one material's layers.
        """
        params = {**_filters(name, substrate, elements), "limit": page_size}
        for row in self._pages("target-materials/", params):
            yield MaterialRow.model_validate(row)

    def update_target_material(
        self,
        target_material_id: int,
        *,
        sample_name: str | None = None,
        substrate: str | None = None,
        sample_metadata: Mapping[str, Any] | None = None,
        detail_note_content: str | None | _Unset = UNSET,
        if_match: IfMatch = None,
    ) -> Material:
        """Change name, substrate or metadata (replaced whole, not merged); layers stay.

        `detail_note_content` (filmstack only) sets the note; None removes it. With
        `if_match` (an ETag) the change is refused with PreconditionFailed if the material
        changed since.
        """
        body = _changes(
            {
                "sample_name": sample_name,
                "substrate": substrate,
                "sample_metadata": sample_metadata,
            },
            {"detail_note_content": detail_note_content},
        )
        path = f"target-materials/{ids(target_material_id)}"
        headers = conditional(if_match)
        return self._material(Material, "PATCH", path, json=body, idempotent=True, headers=headers)

    def set_detail_note(
        self, target_material_id: int, content: str | None, *, if_match: IfMatch = None
    ) -> Material:
        """Write (or, with None, remove) the material's detail note (filmstack only)."""
        return self.update_target_material(
            target_material_id, detail_note_content=content, if_match=if_match
        )

    def replace_stack(
        self,
        target_material_id: int,
        layers: Iterable[LayerInput],
        *,
        if_match: IfMatch = None,
        idempotency_key: str | None = None,
    ) -> str | None:
        """Make `layers` the whole stack, atomically; an empty list clears it.

        Returns the material's new ETag (None if the server sent none).
        """
        body = [_layer_body(layer) for layer in layers]
        path = f"target-materials/{ids(target_material_id)}/layers"
        key = self._key_header(idempotency_key)
        response = self._request("POST", path, json=body, headers={**key, **_h(if_match)})
        etag: str | None = response.headers.get("ETag")
        return etag

    def add_layer(
        self,
        target_material_id: int,
        layer_id: int,
        *,
        composition_string: str | None = None,
        element_dict: Mapping[str, float] | None = None,
        orientation: str | None = None,
        space_group: str | int | None = None,
        mp_id: str | None = None,
        thickness_nm: float | None = None,
        if_match: IfMatch = None,
        idempotency_key: str | None = None,
    ) -> Layer:
        """Add one layer at a free position (Conflict if it is taken)."""
        fields = {
            "composition_string": composition_string,
            "element_dict": dict(element_dict) if element_dict is not None else None,
            "orientation": orientation,
            "space_group": space_group,
            "mp_id": mp_id,
            "thickness_nm": thickness_nm,
        }
        body: dict[str, Any] = {"sample_id": target_material_id, "layer_id": layer_id}
        body.update({k: v for k, v in fields.items() if v is not None})
        headers = {**self._key_header(idempotency_key), **_h(if_match)}
        data = self._json("POST", "target-materials/layers/", json=body, headers=headers)
        return Layer.model_validate(data)

    def update_layer(
        self,
        target_material_id: int,
        layer_id: int,
        *,
        composition_string: str | None | _Unset = UNSET,
        element_dict: Mapping[str, float] | None | _Unset = UNSET,
        orientation: str | None | _Unset = UNSET,
        space_group: str | int | None | _Unset = UNSET,
        mp_id: str | None | _Unset = UNSET,
        thickness_nm: float | None | _Unset = UNSET,
        if_match: IfMatch = None,
    ) -> Layer:
        """Change fields of the layer at `layer_id`; a field given as None is cleared."""
        fields: dict[str, Any] = {
            "composition_string": composition_string,
            "element_dict": element_dict,
            "orientation": orientation,
            "space_group": space_group,
            "mp_id": mp_id,
            "thickness_nm": thickness_nm,
        }
        body = {"sample_id": target_material_id, "layer_id": layer_id, **_changes({}, fields)}
        data = self._json(
            "PATCH",
            "target-materials/layers/",
            json=body,
            idempotent=True,
            headers=conditional(if_match),
        )
        return Layer.model_validate(data)

    def parse(self, prompt: str) -> ParseResult:
        """Read a free-text stack; stores nothing. Layers come back topmost first."""
        data = self._json(
            "POST", "target-materials/parse", json={"prompt": prompt}, idempotent=True
        )
        return ParseResult.model_validate(data)

    # ------------------------------------------ target materials (filmstack extensions)

    def get_target_material(self, target_material_id: int) -> MaterialView:
        """One material with its layers nested, ordered by position (filmstack only).

        A MaterialDetail that Jupyter shows as its stack drawing beside its layer table; its
        `revision` and `etag` are what a conditional write (`if_match=`) needs.
        """
        return self._material(MaterialView, "GET", f"target-materials/{ids(target_material_id)}")

    def delete_target_material(self, target_material_id: int, *, if_match: IfMatch = None) -> None:
        """Move the material to the trash (filmstack only): `restore()` brings it back."""
        path = f"target-materials/{ids(target_material_id)}"
        self._request("DELETE", path, headers=conditional(if_match))

    def stack_svg(self, target_material_id: int) -> str:
        """The stack drawn as an SVG image, substrate at the bottom (filmstack only).

        In a notebook: IPython.display.SVG(fs.stack_svg(12)).
        """
        path = f"target-materials/{ids(target_material_id)}/stack.svg"
        return self._request("GET", path).text

    def list_layers(self, target_material_id: int) -> list[Layer]:
        """The material's layers, ordered by position (filmstack only)."""
        data = self._json("GET", f"target-materials/{ids(target_material_id)}/layers")
        return [Layer.model_validate(layer) for layer in data]

    def delete_layer(
        self, target_material_id: int, layer_id: int, *, if_match: IfMatch = None
    ) -> None:
        """Remove one position; the others keep theirs (filmstack only)."""
        path = f"target-materials/{ids(target_material_id)}/layers/{ids(layer_id)}"
        self._request("DELETE", path, headers=conditional(if_match))

    # ------------------------------------------------------------------------ epitaxy

    @overload
    def epitaxy(self, target: int | str, *, as_frame: Literal[False] = ...) -> list[Interface]: ...
    @overload
    def epitaxy(self, target: int | str, *, as_frame: Literal[True]) -> "pd.DataFrame": ...

    def epitaxy(
        self, target: int | str, *, as_frame: bool = False
    ) -> "list[Interface] | pd.DataFrame":
        """Mismatch, strain and critical thickness per interface, bottom up (filmstack only).

        `target` is a stored material's id, or stack text ("BaTiO3 (001) 50 nm / SrTiO3 (001)")
        judged without storing it.
        """
        if isinstance(target, str):
            data = self._json("POST", "epitaxy", json={"prompt": target}, idempotent=True)
        else:
            data = self._json("GET", f"target-materials/{ids(target)}/epitaxy")
        interfaces = EpitaxyReport.model_validate(data).interfaces
        return epitaxy_frame(interfaces) if as_frame else interfaces

    def lattices(self, formula: str | None = None) -> list[LatticeRowOut]:
        """The lattice table as your organization sees it: its own rows, then the built-in."""
        path = "lattices/" if formula is None else f"lattices/{formula}"
        return [LatticeRowOut.model_validate(row) for row in self._json("GET", path)]

    def create_lattice(self, row: Mapping[str, Any]) -> LatticeRowOut:
        """Add an organization row (formula, phase, space_group, a…, source)."""
        return LatticeRowOut.model_validate(self._json("POST", "lattices/", json=dict(row)))

    def delete_lattice(self, row_id: str | int) -> None:
        """Remove an organization row; the built-in one, if any, applies again."""
        self._request("DELETE", f"lattices/{row_id}")

    # ------------------------------------------------------------------ physical samples

    def link_target_material(
        self, physical_sample_id: str, target_material_id: int | None
    ) -> PhysicalSample:
        """Point a physical sample at a target material, or unlink it with None."""
        path = f"physical_samples/{physical_sample_id}/target_material"
        body = {"target_material_id": target_material_id}
        return PhysicalSample.model_validate(self._json("PATCH", path, json=body, idempotent=True))

    def create_physical_sample(
        self,
        name: str,
        *,
        target_material_id: int | None = None,
        physical_sample_metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> PhysicalSample:
        """Record a grown sample, optionally linked to the target material it realises."""
        body: dict[str, Any] = {"name": name}
        if target_material_id is not None:
            body["sample_id"] = target_material_id
        if physical_sample_metadata is not None:
            body["physical_sample_metadata"] = dict(physical_sample_metadata)
        headers = self._key_header(idempotency_key)
        data = self._json("POST", "physical_samples/", json=body, headers=headers)
        return PhysicalSample.model_validate(data)

    def get_physical_sample(self, physical_sample_id: str) -> PhysicalSample:
        return PhysicalSample.model_validate(
            self._json("GET", f"physical_samples/{physical_sample_id}")
        )

    @overload
    def list_physical_samples(
        self, *, as_frame: Literal[False] = ...
    ) -> list[PhysicalSampleRow]: ...

    @overload
    def list_physical_samples(self, *, as_frame: Literal[True]) -> "pd.DataFrame": ...

    def list_physical_samples(
        self, *, as_frame: bool = False
    ) -> "list[PhysicalSampleRow] | pd.DataFrame":
        """Every physical sample of your organization, with owner, note and linked material."""
        data = self._json("GET", "physical_samples/")
        rows = [PhysicalSampleRow.model_validate(row) for row in data]
        return physical_samples_frame(rows) if as_frame else rows

    def update_physical_sample(
        self,
        physical_sample_id: str,
        *,
        name: str | None = None,
        target_material_id: int | None | _Unset = UNSET,
        physical_sample_metadata: Mapping[str, Any] | None = None,
        detail_note_content: str | None | _Unset = UNSET,
    ) -> PhysicalSample:
        """Rename, relink, replace the metadata of, or annotate a physical sample."""
        body = _changes(
            {"name": name, "physical_sample_metadata": physical_sample_metadata},
            {"sample_id": target_material_id, "detail_note_content": detail_note_content},
        )
        path = f"physical_samples/{physical_sample_id}"
        return PhysicalSample.model_validate(self._json("PATCH", path, json=body, idempotent=True))

    # -------------------------------------------------------------- keys and health

    def list_api_keys(self) -> list[ApiKeyInfo]:
        """Your organization's keys, never the keys themselves (admin scope; filmstack only)."""
        return [ApiKeyInfo.model_validate(k) for k in self._json("GET", "api-keys/")]

    def create_api_key(self, user: str, scopes: Sequence[str] | None = None) -> NewApiKey:
        """A new key for a user of your organization; `.key` is shown only in this answer."""
        body: dict[str, Any] = {"user": user}
        if scopes is not None:
            body["scopes"] = list(scopes)
        return NewApiKey.model_validate(self._json("POST", "api-keys/", json=body))

    def revoke_api_key(self, key_id: int) -> None:
        """Revoke a key; it stops working on the next request (admin scope)."""
        self._request("DELETE", f"api-keys/{ids(key_id)}")

    def health(self) -> Health:
        """The server's /healthz: raises APIError (503) when its database does not answer."""
        return Health.model_validate(self._json("GET", "healthz"))


# ----------------------------------------------------------------------------- helpers


def _h(if_match: IfMatch) -> dict[str, str]:
    return conditional(if_match) or {}


def _filters(name: str | None, substrate: str | None, elements: Sequence[str]) -> dict[str, Any]:
    if isinstance(elements, str):
        elements = [elements]
    params: dict[str, Any] = {}
    if name is not None:
        params["name"] = name
    if substrate is not None:
        params["substrate"] = substrate
    if elements:
        params["element"] = list(elements)
    return params


def _changes(
    fields: Mapping[str, Any], nullable: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A PATCH body: `fields` are sent unless None, `nullable` ones unless UNSET (None clears)."""
    sent = {k: v for k, v in fields.items() if v is not None}
    sent.update({k: v for k, v in (nullable or {}).items() if v is not UNSET})
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in sent.items()}


def _layer_body(layer: LayerInput) -> dict[str, Any]:
    if isinstance(layer, LayerIn):
        return layer.model_dump(exclude_unset=True)
    return dict(layer)


def parse_result_layers(parsed: ParseResult) -> list[dict[str, Any]]:
    """A parse answer's layers (topmost first) as layer inputs numbered from the substrate up."""
    layers = []
    for position, layer in enumerate(reversed(parsed.layers), start=1):
        body: dict[str, Any] = {"layer_id": position, "composition_string": layer.formula}
        for key in ("orientation", "space_group", "thickness_nm", "thickness_unit_cells", "repeat"):
            value = getattr(layer, key)
            if value is not None:
                body[key] = value
        layers.append(body)
    return layers


__all__ = [
    "UNSET",
    "Client",
    "parse_result_layers",
    "retry_after_seconds",
]
