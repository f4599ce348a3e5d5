"""The client's records calls (filmstack only): history, revert, the trash, restore, purge."""

from collections.abc import Iterator

from filmstack.client_base import BaseClient, conditional, ids
from filmstack.schemas import Change, HistoryEntry, Material, MaterialDetail, TrashedMaterial

HISTORY_PAGE = 100


class RecordsMixin(BaseClient):
    """History, revert and the trash: nothing a user did is lost or silently overwritten."""

    def iter_history(
        self, target_material_id: int, *, page_size: int = HISTORY_PAGE
    ) -> Iterator[HistoryEntry]:
        """The material's history entries, newest first, fetched page by page."""
        path = f"target-materials/{ids(target_material_id)}/history"
        for entry in self._pages(path, {"limit": page_size}):
            yield HistoryEntry.model_validate(entry)

    def history(self, target_material_id: int, *, limit: int | None = None) -> list[HistoryEntry]:
        """The material's history, newest first: every entry, or the newest `limit` ones.

        Each entry says who (`user_name`), when (`changed_at`), what (`action`) and, field by
        field, what changed (`changes`, each with `before` and `after`).
        """
        if limit is not None and (isinstance(limit, bool) or limit < 1):
            raise ValueError(f"limit must be a positive number of entries, not {limit!r}")
        page = HISTORY_PAGE if limit is None else min(limit, HISTORY_PAGE)
        entries: list[HistoryEntry] = []
        for entry in self.iter_history(target_material_id, page_size=page):
            entries.append(entry)
            if limit is not None and len(entries) >= limit:
                break
        return entries

    def material_at(self, target_material_id: int, revision: int) -> MaterialDetail:
        """The material exactly as it was at `revision`, in the shape of get_target_material."""
        path = f"target-materials/{ids(target_material_id)}/history/{ids(revision)}"
        return MaterialDetail.model_validate(self._json("GET", path))

    def revert(
        self, target_material_id: int, revision: int, *, if_match: str | None = None
    ) -> Material:
        """Make a new revision whose fields, stack and note equal those of `revision`.

        Nothing is erased: the revisions in between stay in the history.
        """
        path = f"target-materials/{ids(target_material_id)}/revert"
        return self._material(
            Material,
            "POST",
            path,
            json={"revision": ids(revision)},
            headers=conditional(if_match),
        )

    def iter_trash(self, *, page_size: int = HISTORY_PAGE) -> Iterator[TrashedMaterial]:
        """Your organization's deleted materials, newest deletion first, page by page."""
        for item in self._pages("trash/", {"limit": page_size}):
            yield TrashedMaterial.model_validate(item)

    def trash(self) -> list[TrashedMaterial]:
        """Every deleted material still in the trash, newest deletion first."""
        return list(self.iter_trash())

    def restore(self, target_material_id: int, *, if_match: str | None = None) -> Material:
        """Bring a deleted material back from the trash: same id, layers, note, history, links."""
        path = f"trash/{ids(target_material_id)}/restore"
        return self._material(Material, "POST", path, headers=conditional(if_match))

    def purge(self, target_material_id: int) -> None:
        """Remove a material in the trash for good, with its history (scope `delete`).

        Its id is never handed out again.
        """
        self._request("DELETE", f"trash/{ids(target_material_id)}")


__all__ = ["Change", "HistoryEntry", "RecordsMixin", "TrashedMaterial"]
