"""Wire models of the epitaxy extension: lattices, superlattice repeats and the report.

Pydantic only, like :mod:`filmstack.schemas`, which uses the input models for layer fields.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (lone surrogate found)") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
Length = Annotated[float, Field(ge=1.0, le=100.0, allow_inf_nan=False)]
Angle = Annotated[float, Field(ge=30.0, le=150.0, allow_inf_nan=False)]


class LatticeIn(BaseModel):
    """Extension: a layer's own cell; cubic may give `a` alone, tetragonal and hexagonal a, c."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"a": 3.905}]}
    )

    a: Length = Field(description="Å, 1 to 100.")
    b: Length | None = Field(default=None, description="Å; follows from the crystal system.")
    c: Length | None = Field(default=None, description="Å; follows from the crystal system.")
    alpha: Angle | None = Field(default=None, description="Degrees, 30 to 150; default 90.")
    beta: Angle | None = Field(default=None, description="Degrees, 30 to 150; default 90.")
    gamma: Angle | None = Field(default=None, description="Degrees; 120 for hexagonal axes.")


class RepeatIn(BaseModel):
    """Extension: the layer's place in a superlattice `[A/B]x10`, as the parser reports it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    group: Annotated[int, Field(ge=1, le=500)] = Field(description="Which superlattice, from 1.")
    count: Annotated[int, Field(ge=1, le=500)] = Field(description="The ×N of the superlattice.")
    period: Annotated[int, Field(ge=1, le=500)] = Field(description="Layers in one period.")
    index: Annotated[int, Field(ge=0, le=499)] = Field(
        description="Position in the period, 0-based."
    )
    cycle: Annotated[int, Field(ge=0, le=499)] = Field(description="Which repetition, 0-based.")


class LatticeRowIn(BaseModel):
    """Extension: an organization's lattice row (`POST /lattices/`); PATCH sends any subset."""

    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "formula": "SrTiO3",
                    "phase": "cubic perovskite (our crystals)",
                    "space_group": "Pm-3m",
                    "a": 3.9052,
                    "pseudocubic_a": 3.9052,
                    "source": "our XRD, run 2026-11-02",
                }
            ]
        },
    )

    formula: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    phase: Annotated[Text, Field(min_length=1, max_length=100)] | None = None
    space_group: Annotated[Text, Field(max_length=64)] | int | None = None
    a: Length | None = None
    b: Length | None = None
    c: Length | None = None
    alpha: Angle | None = None
    beta: Angle | None = None
    gamma: Angle | None = None
    pseudocubic_a: Length | None = Field(default=None, description="Perovskite-derived cells.")
    orientation_setting: Annotated[str, Field(pattern="^(cell|pseudocubic)$")] | None = Field(
        default=None,
        description="How orientations of the material are read: cell (default) or "
        "pseudocubic indices.",
    )
    temperature_k: Annotated[float, Field(gt=0, le=5000, allow_inf_nan=False)] | None = None
    source: Annotated[Text, Field(min_length=1, max_length=2000)] | None = Field(
        default=None, description="Where the numbers come from; required on create."
    )


class LatticeRowOut(BaseModel):
    id: str = Field(description='An organization row\'s number, or "builtin:<formula>:<phase>".')
    formula: str
    phase: str
    space_group: str
    a: float
    b: float
    c: float
    alpha: float
    beta: float
    gamma: float
    pseudocubic_a: float | None
    orientation_setting: str
    temperature_k: float | None
    source: str
    origin: str = Field(description="built-in or organization.")


# The most stack text a server may be configured to read (Settings.max_prompt_length).
PROMPT_CEILING = 2000


class EpitaxyRequest(BaseModel):
    """Extension: `POST /epitaxy` takes a create body or `{"prompt": "stack text"}`."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={"examples": [{"prompt": "BaTiO3 (001) 50 nm / SrTiO3 (001)"}]},
    )

    prompt: Annotated[Text, Field(min_length=1, max_length=PROMPT_CEILING)] | None = None


class Interface(BaseModel):
    """One layer on the one below it."""

    model_config = ConfigDict(extra="allow")

    layer_id: int
    film: str
    film_orientation: str | None
    below: str | int = Field(description='"substrate" or the layer_id below.')
    below_formula: str
    below_orientation: str | None
    status: str = Field(description="ok, unknown (data missing) or unsupported.")
    reason: str | None
    rotation_deg: float | None
    supercell: dict[str, Any] | None
    film_spacing_angstrom: float | None
    below_spacing_angstrom: float | None
    mismatch_percent: float | None = Field(description="100 × (d_below − d_film) / d_film.")
    strain: str | None = Field(description="compressive, tensile or matched (within 0.1 %).")
    critical_thickness_nm: float | None = Field(description="Matthews–Blakeslee estimate.")
    coherent_expected: bool | None = Field(description="null without a thickness.")
    lattice_sources: list[str]


class EpitaxyReport(BaseModel):
    sample_id: int | None = Field(description="null for an unsaved stack.")
    interfaces: list[Interface]
