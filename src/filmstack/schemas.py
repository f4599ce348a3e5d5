"""Wire models shared by the server and the client.

Public fields keep the names and types of the Atomscale target-materials API; filmstack's own
fields are marked "Extension". Inputs ignore unknown keys, as a lenient public API does, but a
known key with the wrong type is rejected.
"""

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from filmstack.schemas_epitaxy import PROMPT_CEILING as PROMPT_CEILING
from filmstack.schemas_epitaxy import LatticeIn, RepeatIn

MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1

# Structural ceilings of text fields: the wire schema's bound, which the server's configurable
# limits (Settings.max_name_length and friends) may lower but never exceed. Names and formulas are
# bounded by their database columns; the note by what the server accepts at most; the prompt's
# ceiling (PROMPT_CEILING) sits in schemas_epitaxy, which POST /epitaxy shares.
NAME_CEILING = 255  # sample_name, substrate, a physical sample's name: String(255) columns
COMPOSITION_CEILING = 200  # composition_string: a String(200) column
NOTE_CEILING = 100_000  # detail_note_content


def _clean_text(value: str) -> str:
    """Reject text that no database can store faithfully (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (lone surrogate found)") from None
    return value


def _name(value: str) -> str:
    value = _clean_text(value).strip()
    if not value:
        raise ValueError("must not be empty or only whitespace")
    if any(ord(c) < 32 for c in value):
        raise ValueError("must be a single line without control characters")
    return value


CleanText = Annotated[str, AfterValidator(_clean_text)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_CEILING), AfterValidator(_name)]
MaterialId = Annotated[int, Field(ge=1, le=MAX_INT64)]
Position = Annotated[
    int, Field(ge=1, le=MAX_INT32, description="Position in the stack: 1 sits on the substrate.")
]
# A plausible thickness: far below a monolayer up to a centimetre, never subnormal or infinite.
MIN_THICKNESS_NM = 1e-6
MAX_THICKNESS_NM = 1e7


def _not_tiny(value: float) -> float:
    if value < MIN_THICKNESS_NM:
        raise ValueError(f"must be at least {MIN_THICKNESS_NM:g} nm; no layer is thinner")
    return value


Thickness = Annotated[
    float, Field(gt=0, le=MAX_THICKNESS_NM, allow_inf_nan=False), AfterValidator(_not_tiny)
]
Int64 = Annotated[int, Field(ge=-MAX_INT64 - 1, le=MAX_INT64)]
IgnoredInt = Int64


# Structural bounds only (a 64-bit integer or a finite float): chemistry judges the amounts.
def _storable_number(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number (no NaN or Infinity)")
    if isinstance(value, int) and not -(2**63) <= value <= MAX_INT64:
        raise ValueError("must be a number of at most 19 digits")
    return value


Amount = Annotated[int | float, AfterValidator(_storable_number)]
ElementDict = dict[str, int | float]
ElementDictIn = dict[Annotated[str, Field(max_length=64)], Amount]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


def _reject_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out but not null")
    return value


# ---------------------------------------------------------------------------------- inputs


NoteText = Annotated[CleanText, Field(max_length=NOTE_CEILING)]
MiscutDeg = Annotated[float, Field(ge=0, le=45, allow_inf_nan=False)]


class SampleIn(_Input):
    sample_name: Name = Field(description="Name of the target material.", examples=["BaTiO3 on Si"])
    substrate: Name = Field(description="Substrate the stack is grown on.", examples=["Si"])
    sample_metadata: dict[str, Any] | None = Field(
        default=None,
        description="Free-form JSON object (by default at most 64 KiB, nesting at most 32); "
        "{} when unset.",
    )
    substrate_orientation: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None,
        description="Extension: the substrate's orientation, e.g. (001) or c-plane.",
        examples=["(001)"],
    )
    substrate_miscut_deg: MiscutDeg | None = Field(
        default=None, description="Extension: miscut angle in degrees (0 to 45)."
    )
    substrate_miscut_toward: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None, description="Extension: the direction the miscut tilts toward, e.g. [100]."
    )
    detail_note_content: NoteText | None = Field(
        default=None,
        description="Extension: the detail note, created with the material in the same request.",
    )


class LayerFields(_Input):
    """The changeable fields of a layer, shared by every layer input."""

    composition_string: Annotated[CleanText, Field(max_length=COMPOSITION_CEILING)] | None = Field(
        default=None,
        description="Chemical formula as typed, e.g. BaTiO3, Ba0.5Sr0.5TiO3, STO.",
        examples=["BaTiO3"],
    )
    element_dict: ElementDictIn | None = Field(
        default=None,
        description="Element symbol to amount (each finite, > 0 and at most 1000). "
        "Filled from composition_string when left out.",
    )
    orientation: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None,
        description="Miller indices as typed: (001), [110], {111}, 11-20, c-plane.",
        examples=["001"],
    )
    space_group: Annotated[CleanText, Field(max_length=64)] | IgnoredInt | None = Field(
        default=None,
        description="Hermann-Mauguin symbol in any common spelling, or a number 1-230.",
        examples=["P4mm"],
    )
    mp_id: Annotated[CleanText, Field(max_length=64)] | None = Field(
        default=None, description="Materials Project id, e.g. mp-2998.", examples=["mp-2998"]
    )
    thickness_nm: Thickness | None = Field(
        default=None,
        description="Extension: intended thickness in nanometres, from 1e-6 to 1e7.",
    )
    thickness_unit_cells: float | None = Field(
        default=None,
        gt=0,
        le=1e6,
        allow_inf_nan=False,
        description="Extension: thickness in unit cells (5 for `5 u.c.`); thickness_nm follows "
        "from the lattice when it is not sent.",
    )
    lattice: LatticeIn | None = Field(
        default=None, description="Extension: the layer's own cell (Å, degrees) for epitaxy."
    )
    in_plane_relationship: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None,
        description="Extension: film direction || direction of the layer below.",
        examples=["[100] || [110]"],
    )
    repeat: RepeatIn | None = Field(
        default=None, description="Extension: the layer's place in a superlattice [A/B]xN."
    )


class LayerIn(LayerFields):
    """A layer in a create body or a whole-stack replacement."""

    layer_id: Position
    sample_id: IgnoredInt | None = Field(default=None, description="Tolerated and ignored.")
    id: IgnoredInt | None = Field(default=None, description="Tolerated and ignored.")


class LayerCreate(LayerFields):
    """One layer added to an existing target material."""

    sample_id: MaterialId
    layer_id: Position


class LayerUpdate(LayerFields):
    """sample_id and layer_id name the layer; every other field sent is a change."""

    sample_id: MaterialId
    layer_id: Position


class MaterialCreate(_Input):
    sample: SampleIn
    layers: list[LayerIn] = Field(
        default_factory=list, description="The stack, by default at most 500 layers."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sample": {"sample_name": "BaTiO3 on Si", "substrate": "Si"},
                    "layers": [
                        {"layer_id": 1, "composition_string": "BaTiO3", "orientation": "001"}
                    ],
                }
            ]
        }
    )


class MaterialUpdate(_Input):
    sample_name: Name = Field(default=None, description="New name.")  # type: ignore[assignment]
    substrate: Name = Field(default=None, description="New substrate.")  # type: ignore[assignment]
    sample_metadata: dict[str, Any] = Field(
        default=None,  # type: ignore[arg-type]
        description="Replaces the whole metadata object (it is not merged).",
    )
    sample_id: MaterialId | None = Field(
        default=None, description="Accepted only when equal to the path id."
    )
    detail_note_content: NoteText | None = Field(
        default=None, description="Creates, changes or (with null) removes the detail note."
    )
    substrate_orientation: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None, description="Extension: the substrate's orientation (null clears it)."
    )
    substrate_miscut_deg: MiscutDeg | None = Field(
        default=None, description="Extension: miscut angle in degrees (null clears it)."
    )
    substrate_miscut_toward: Annotated[CleanText, Field(max_length=100)] | None = Field(
        default=None, description="Extension: the miscut direction (null clears it)."
    )

    _no_null = field_validator("sample_name", "substrate", "sample_metadata", mode="before")(
        _reject_null
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"sample_name": "BaTiO3 (001) on SrTiO3", "detail_note_content": "Anneal at 700 C."}
            ]
        }
    )


class RevertRequest(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revision": 1}]})

    revision: Annotated[int, Field(ge=1, le=MAX_INT32)] = Field(
        description="The revision whose fields, stack and note the new revision takes."
    )


class ParseRequest(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"prompt": "10 nm BaTiO3 (001) / SrTiO3 on Si"}]}
    )

    prompt: Annotated[CleanText, Field(min_length=1, max_length=PROMPT_CEILING)] = Field(
        description="A stack written film first, substrate last.",
        examples=["10 nm BaTiO3 (001) / SrTiO3 on Si"],
    )


class PhysicalSampleCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "PLD run 2026-11-30 #3",
                    "sample_id": 1,
                    "physical_sample_metadata": {"T_C": 700, "pO2_mbar": 0.1},
                }
            ]
        }
    )

    name: Name = Field(description="Name of the grown sample.", examples=["2026-11-30 run 3"])
    sample_id: MaterialId | None = Field(default=None, description="Target material it realises.")
    physical_sample_metadata: dict[str, Any] | None = Field(default=None)


class PhysicalSampleUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "PLD run 2026-11-30 #3 (annealed)",
                    "detail_note_content": "Annealed 1 h at 500 C in O2.",
                }
            ]
        }
    )

    name: Name = Field(default=None)  # type: ignore[assignment]
    sample_id: MaterialId | None = Field(default=None)
    physical_sample_metadata: dict[str, Any] = Field(default=None)  # type: ignore[arg-type]
    detail_note_content: NoteText | None = None

    _no_null = field_validator("name", "physical_sample_metadata", mode="before")(_reject_null)


class TargetMaterialLink(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"target_material_id": 1}]})

    target_material_id: MaterialId | None = Field(
        description="The target material to link, or null to unlink."
    )


# --------------------------------------------------------------------------------- outputs


class Material(BaseModel):
    """A target material, as create and update return it."""

    # Not a field: the client keeps the answer's ETag header here, for if_match=.
    _etag: str | None = PrivateAttr(default=None)

    @property
    def etag(self) -> str | None:
        """The ETag the answer carried (None from a server that sends none); for if_match=."""
        return self._etag

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sample_id": 1,
                    "sample_name": "BaTiO3 on Si",
                    "substrate": "Si",
                    "sample_metadata": {},
                    "detail_notes_id": None,
                    "user_id": "5163e286-27e2-49e6-9f98-77f833e90e8c",
                    "version": "0.1.0",
                    "last_updated": "2026-11-30T08:20:10.764426Z",
                    "revision": 1,
                }
            ]
        }
    )

    sample_id: int
    sample_name: str
    substrate: str
    sample_metadata: dict[str, Any]
    detail_notes_id: str | None
    user_id: str = Field(description="Id of the owning user.")
    version: str = Field(description="filmstack version that wrote the record.")
    last_updated: str = Field(description="ISO 8601, UTC, ending in Z.")
    revision: int | None = Field(
        default=None,
        description="Extension: 1 at create, +1 on every change; the ETag header carries it. "
        "Absent from servers without revisions.",
    )
    substrate_orientation: str | None = Field(default=None, description="Extension.")
    substrate_miscut_deg: float | None = Field(default=None, description="Extension: degrees.")
    substrate_miscut_toward: str | None = Field(default=None, description="Extension.")


class OrientationIndices(BaseModel):
    kind: str = Field(description="plane, direction, plane_family or direction_family.")
    indices: list[int] = Field(description="3 Miller or 4 Miller-Bravais indices.")


class Layer(BaseModel):
    id: int = Field(description="Row id of the layer.")
    layer_id: int = Field(description="Position: 1 sits on the substrate.")
    sample_id: int
    composition_string: str | None
    element_dict: ElementDict | None
    orientation: str | None
    space_group: str | None = Field(description="Canonical short symbol of the standard setting.")
    mp_id: str | None
    thickness_nm: float | None = Field(default=None, description="Extension: nanometres.")
    space_group_number: int | None = Field(default=None, description="Extension.")
    space_group_input: str | None = Field(default=None, description="Extension: as typed.")
    orientation_indices: OrientationIndices | None = Field(default=None, description="Extension.")
    lattice: dict[str, float] | None = Field(default=None, description="Extension: Å, degrees.")
    in_plane_relationship: str | None = Field(default=None, description="Extension.")
    thickness_unit_cells: float | None = Field(default=None, description="Extension.")
    repeat: dict[str, int] | None = Field(default=None, description="Extension: superlattice.")


class MaterialRow(BaseModel):
    """One row of GET /target-materials/: a layer flattened with its material."""

    id: int = Field(description="Equals sample_id.")
    layer_row_id: int | None
    layer_id: int | None
    sample_id: int
    composition_string: str | None
    element_dict: ElementDict | None
    orientation: str | None
    space_group: str | None
    mp_id: str | None
    thickness_nm: float | None = None
    space_group_number: int | None = None
    space_group_input: str | None = None
    orientation_indices: OrientationIndices | None = None
    lattice: dict[str, float] | None = None
    in_plane_relationship: str | None = None
    thickness_unit_cells: float | None = None
    repeat: dict[str, int] | None = None
    sample_name: str
    substrate: str
    sample_metadata: dict[str, Any]
    detail_notes_id: str | None
    user_id: str
    version: str
    last_updated: str
    revision: int | None = Field(default=None, description="Extension: the material's revision.")
    substrate_orientation: str | None = None
    substrate_miscut_deg: float | None = None
    substrate_miscut_toward: str | None = None
    user_name: str
    detail_note_content: str | None


class MaterialDetail(Material):
    """Extension: one target material with its layers nested."""

    created_at: str
    user_name: str
    detail_note_content: str | None
    layers: list[Layer]


class TrashedMaterial(MaterialDetail):
    """Extension: a material in the trash, as it was when deleted."""

    deleted_at: str = Field(description="ISO 8601, UTC, ending in Z.")
    deleted_by: str | None = Field(description="Id of the user who deleted it.")
    deleted_by_name: str | None = Field(description="Name of the user who deleted it.")


class Change(BaseModel):
    """One field of a change: `layers[2].orientation`, or `layers[2]` for a whole layer."""

    field: str
    before: Any
    after: Any


class HistoryEntry(BaseModel):
    """Extension: one change of a target material."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "revision": 2,
                    "changed_at": "2026-11-30T08:21:00.000000Z",
                    "user_id": "5163e286-27e2-49e6-9f98-77f833e90e8c",
                    "user_name": "alice",
                    "action": "update_layer",
                    "changes": [
                        {"field": "layers[2].orientation", "before": "(001)", "after": "(111)"}
                    ],
                }
            ]
        }
    )

    revision: int = Field(description="The material's revision after this change.")
    changed_at: str = Field(description="ISO 8601, UTC, ending in Z.")
    user_id: str | None
    user_name: str | None
    action: str = Field(
        description="create, update, replace_layers, add_layer, update_layer, delete_layer, "
        "delete, restore, revert or link."
    )
    changes: list[Change]


class ParsedLayer(BaseModel):
    formula: str
    orientation: str | None
    space_group: str | None
    thickness_nm: float | None = Field(
        default=None,
        description="Extension: nanometres; for `5 u.c.` from the built-in lattice table.",
    )
    thickness_unit_cells: float | None = Field(
        default=None, description="Extension: present when the text counts unit cells."
    )
    repeat: dict[str, int] | None = Field(
        default=None,
        description="Extension: present on the layers of a superlattice [A/B]xN: group, count "
        "(the N), period, index (in the period) and cycle.",
    )


class ParseResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "material_name": "BaTiO3/SrTiO3 on Si",
                    "substrate": "Si",
                    "layers": [
                        {
                            "formula": "BaTiO3",
                            "orientation": "(001)",
                            "space_group": None,
                            "thickness_nm": 10.0,
                        },
                        {
                            "formula": "SrTiO3",
                            "orientation": None,
                            "space_group": None,
                            "thickness_nm": None,
                        },
                    ],
                    "substrate_orientation": None,
                }
            ]
        }
    )

    material_name: str
    substrate: str = Field(description='"" when the text names none.')
    layers: list[ParsedLayer] = Field(description="Topmost first, as the public API returns them.")
    substrate_orientation: str | None = Field(default=None, description="Extension.")


class DetailNoteOut(BaseModel):
    content: str
    last_updated: str


class PhysicalSample(BaseModel):
    id: str
    name: str
    created_datetime: str
    last_updated: str
    version: str
    user_id: str
    sample_id: int | None
    growth_instrument_id: str | None = None
    detail_notes_id: str | None
    physical_sample_metadata: dict[str, Any]


class PhysicalSampleRow(PhysicalSample):
    owner_id: str
    owner_name: str
    num_data_items: int = 0
    growth_instrument: Any = None
    projects: list[Any] = Field(default_factory=list)
    detail_notes: DetailNoteOut | None
    target_material: Material | None


class ApiKeyInfo(BaseModel):
    id: int
    prefix: str = Field(description="First characters of the key, to recognise it.")
    organization: str
    user: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None


class NewApiKey(ApiKeyInfo):
    key: str = Field(description="The key itself; shown only this once.")


class ApiKeyCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"user": "alice", "scopes": ["read", "write"]}]}
    )

    user: Name = Field(description="User in the caller's organization; created when missing.")
    scopes: list[str] = Field(default_factory=lambda: ["read", "write", "delete"])


class Health(BaseModel):
    status: str
    database: str
