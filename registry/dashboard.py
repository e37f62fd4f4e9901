"""What the admin index shows of each app, contributed in its ``AppConfig.ready()``.

An app registers its totals (a labelled count that links its list) and, for the recent
changes, which of its models' pages an event type's name points to. The template tags
(``registry/templatetags/registry_dashboard.py``) read them; the core names no app.
"""

from dataclasses import dataclass

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Total:
    label: str
    rows: QuerySet  # what is counted; the tile links its model's admin list
    weight: int  # tiles are shown lightest first

    @property
    def changelist(self) -> str:
        meta = self.rows.model._meta
        return f"admin:{meta.app_label}_{meta.model_name}_changelist"

    def count(self) -> int:
        return self.rows.all().count()  # a fresh query each time, never a cached result


_totals: list[Total] = []
_event_pages: dict[str, type[Model]] = {}


def register_total(label: str, rows: QuerySet, *, weight: int) -> None:
    """Show ``rows.count()`` on the index as ``label``, linking the list of its model."""
    _totals[:] = [total for total in _totals if total.label != label]
    _totals.append(Total(label, rows, weight))


def totals() -> list[Total]:
    """The registered totals in the order the index shows them."""
    return sorted(_totals, key=lambda total: total.weight)


def register_event_pages(pages: dict[str, type[Model]]) -> None:
    """Event type name prefix -> the model whose admin page shows the event's entity
    (the longest matching prefix wins: ``asset_deployment_`` over ``asset_``)."""
    _event_pages.update(pages)


def event_page_model(event_type: str) -> type[Model] | None:
    matches = [prefix for prefix in _event_pages if event_type.startswith(prefix)]
    return _event_pages[max(matches, key=len)] if matches else None
