"""The client's exchange calls: .eln files in and out, NOMAD archives, displayable materials.

A mixin of filmstack.Client, kept apart so that the client module stays one page of endpoints.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from filmstack.errors import TransportError
from filmstack.notebook import MaterialList, MaterialView

ELN_TYPE = "application/vnd.eln+zip"


class ExchangeMixin:
    """Methods Client gets for exchange with other ELNs and NOMAD (filmstack only)."""

    if TYPE_CHECKING:
        _http: httpx.Client
        endpoint: str

        def _request(
            self, method: str, path: str, *, params: Mapping[str, Any] | None = None
        ) -> httpx.Response: ...

        @staticmethod
        def _error(response: httpx.Response) -> Exception: ...

        def get_target_material(self, target_material_id: int) -> MaterialView: ...

    def get_target_materials(self, target_material_ids: Iterable[int]) -> MaterialList:
        """Several materials with their layers; in Jupyter a table with a drawing per row."""
        return MaterialList(self.get_target_material(i) for i in target_material_ids)

    def export_target_material(
        self, target_material_id: int, *, format: Literal["eln", "nomad"] = "eln"
    ) -> bytes:
        """One material as a .eln file (with its physical samples) or a NOMAD .archive.json."""
        path = f"target-materials/{int(target_material_id)}/export"
        return self._request("GET", path, params={"format": format}).content

    def export_eln(self, target_material_ids: Iterable[int] | None = None) -> bytes:
        """A .eln of the given materials and their samples; None: the whole organization."""
        params = (
            None if target_material_ids is None else {"ids": [int(i) for i in target_material_ids]}
        )
        return self._request("GET", "export", params=params).content

    def import_eln(self, eln: bytes | str | Path) -> dict[str, Any]:
        """Create the materials and samples of a .eln (all or none); returns what was created."""
        data = eln if isinstance(eln, bytes) else Path(eln).read_bytes()
        try:
            # Never repeated: a lost answer must not import the file twice.
            response = self._http.post("import", content=data, headers={"Content-Type": ELN_TYPE})
        except httpx.TransportError as exc:
            raise TransportError(f"POST {self.endpoint}import failed: {exc}") from exc
        if response.is_error:
            raise self._error(response)
        answer: dict[str, Any] = response.json()
        return answer
