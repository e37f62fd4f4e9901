"""The export and CSV import rules of quality flags (registry.exchange)."""

from quality.api.views import AssetQualityFlagViewSet
from quality.services import check_second_person, flag_raise, flag_resolve
from registry.actors import current_actor
from registry.exceptions import RegistryError
from registry.exchange.entities import (
    CREATED,
    UPDATE,
    UPDATED,
    Entity,
    PlannedRow,
    register_entity,
)
from registry.importing import ItemRejected


class QualityFlagEntity(Entity):
    """Quality flags: raised by the import's actor, as the API raises them; an existing
    flag changes only by being resolved (its resolution columns say so)."""

    def plan_row(self, row, instance, run):
        resolved = bool(row.cells.get("resolved_at", "").strip())
        notes = row.cells.get("resolution_notes", "").strip()
        if resolved and not notes:
            raise ItemRejected("resolution_notes: a resolved flag needs the notes that say why.")
        if instance is None:
            planned = super().plan_row(row, None, run)
            if resolved:
                # The importer raises it, so the importer may not resolve a CRITICAL one.
                self._check_second_person(self.model(raised_by=current_actor(), **planned.data))
                planned.extra["resolve"] = notes
            return planned
        super().plan_row(row, instance, run)  # refuses changes to a raised flag
        if resolved and instance.resolved_at is None:
            self._check_second_person(instance)
            return PlannedRow(row.line, UPDATE, instance=instance, extra={"resolve": notes})
        if not resolved and instance.resolved_at is not None:
            run.report.warnings.append(
                f"line {row.line}: flag {instance.pk} is resolved in the registry and stays so."
            )
        return None

    def follow_up_values(self, planned):
        if "resolve" not in planned.extra:
            return {}
        return {"is_active": False, "resolution_notes": planned.extra["resolve"]}

    def create(self, planned):
        flag = flag_raise(actor=current_actor(), **planned.data)
        if "resolve" in planned.extra:
            self._resolve_flag(flag, planned.extra["resolve"])
        return CREATED

    def update(self, planned):
        self._resolve_flag(planned.instance, planned.extra["resolve"])
        return UPDATED

    @staticmethod
    def _check_second_person(flag) -> None:
        """The plan refuses what flag_resolve would (four eyes), so a preview holds no row
        the write then rejects."""
        try:
            check_second_person(flag=flag, actor=current_actor())
        except RegistryError as error:
            raise ItemRejected(f"resolved_at: {error.message}") from None

    @staticmethod
    def _resolve_flag(flag, notes: str) -> None:
        flag_resolve(flag=flag, actor=current_actor(), notes=notes)


def register() -> None:
    register_entity(QualityFlagEntity("quality-flags", AssetQualityFlagViewSet, ("flag_id",)))
