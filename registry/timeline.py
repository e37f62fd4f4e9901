"""Time in the registry: what was true at a moment, and what the registry said then.

Two axes (docs/DESIGN.md, "Time: valid and recorded"):

- **valid time** (``as_of``): when a fact was true in the world. Entities whose facts
  change in the world on dates of their own carry it in their columns: a market's
  listing period (``listed_at``, ``delisted_at``), a flag's (``raised_at``,
  ``resolved_at``), a relationship's effective period, an asset's former names. For
  the rest (a deployment's decimals, a group's members, a chain's name) the registry
  takes a fact to be true from when it recorded it: a correction closes the old
  value's period at the moment it is made, and never reaches back.
- **recorded time** (``known_at``): when the registry held a fact. Every entity carries
  it, in its history (registry.history: append-only rows written by PostgreSQL
  triggers, whatever path made the change), so "what did the registry say on 1 March
  about what BTCUSDT meant on 1 February" reads the rows as they stood on 1 March and
  asks them about 1 February.

``Moment`` is the question's two times; ``as_recorded`` reads a tracked model's rows as
they stood at a recorded time.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

# Accepted: RFC 3339 (2022-05-09T14:03:00Z, …+02:00, fractions of a second) or a date
# (2022-05-09: its first instant, UTC). A time without a zone is refused: read as UTC by
# one client and as local time by another, it would answer two different questions.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:?\d{2})$"
)
# An unencoded '+' in a query string arrives as a space: "…14:03:00 02:00".
_SPACE_FOR_PLUS = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}:?\d{2})$")
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FORMAT_HINT = "an RFC 3339 time with its zone (2022-05-09T14:03:00Z) or a date (2022-05-09)"
# How far ahead of this server's clock a known_at may be (another host's clock).
CLOCK_SKEW = dt.timedelta(seconds=5)


def parse_instant(raw, name: str) -> dt.datetime:
    """A time parameter as an aware UTC datetime; a ValueError ("name: reason") else."""
    if not isinstance(raw, str):
        raise ValueError(f"{name}: {FORMAT_HINT}, as a string.")
    value = _SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip())
    try:
        if _DATE.match(value):
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        elif _DATETIME.match(value):
            parsed = dt.datetime.fromisoformat(value.upper().replace(" ", "T", 1))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"{name}: not a time; give {FORMAT_HINT}.") from None
    parsed = parsed.astimezone(dt.UTC)
    if parsed < EARLIEST:
        raise ValueError(f"{name}: the registry holds nothing before 1970-01-01.")
    return parsed


@dataclass(frozen=True)
class Moment:
    """A point-in-time question: true in the world at ``as_of``, as the registry held it
    at ``known_at`` (None: as it holds it now)."""

    as_of: dt.datetime
    known_at: dt.datetime | None = None

    def in_words(self) -> str:
        """ "at 2022-05-09T14:03:00Z[ as recorded at …]", as reasons name the moment."""
        words = f"at {_utc_text(self.as_of)}"
        if self.known_at is not None:
            words += f" as recorded at {_utc_text(self.known_at)}"
        return words


def _utc_text(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


TIME_PARAMETERS = ("as_of", "known_at")


def moment_of(params) -> Moment | None:
    """The ``as_of`` and ``known_at`` of a request's parameters (a query string or a batch
    item); None when neither is given (the current answer). ``known_at`` alone asks what
    the registry said at that time about that time."""
    as_of_raw, known_raw = params.get("as_of"), params.get("known_at")
    if as_of_raw is None and known_raw is None:
        return None
    known_at = parse_instant(known_raw, "known_at") if known_raw is not None else None
    if known_at is not None and known_at > timezone.now() + CLOCK_SKEW:
        raise ValueError("known_at: in the future; the registry cannot say what it will hold.")
    as_of = parse_instant(as_of_raw, "as_of") if as_of_raw is not None else known_at
    return Moment(as_of=as_of, known_at=known_at)


def _history(model: type[models.Model], recorded_at: dt.datetime | None, where: tuple, keys: dict):
    """The history events of every row the filters ever matched, recorded by
    ``recorded_at`` (None: all of them)."""
    events = model.pgh_event_model.objects
    ever_matched = events.filter(*where, **keys).values("pgh_obj_id")
    events = events.filter(pgh_obj_id__in=ever_matched)
    return events if recorded_at is None else events.filter(pgh_created_at__lte=recorded_at)


def _last_state(model, events, where: tuple, keys: dict) -> models.QuerySet:
    """The event rows chosen by ``events`` (one per row, ordered so that the wanted one
    is first), unless it deleted the row, and only where it still matches ``keys``."""
    chosen = events.distinct("pgh_obj_id").values("pgh_id")
    return (
        model.pgh_event_model.objects.filter(pgh_id__in=chosen)
        .exclude(pgh_label="delete")
        .filter(*where, **keys)
    )


def as_recorded(
    model: type[models.Model], recorded_at: dt.datetime, *where, **keys
) -> models.QuerySet:
    """``model``'s rows as they stood at ``recorded_at``, from its history: for each row
    the filters (expressions and keywords, as ``filter()`` takes) ever matched, its last
    history event by then, unless that event deleted it, and only where it still matches
    them.

    Returns event rows (``model.pgh_event_model``): each has the model's fields by the
    same names (``instances`` makes them the model's).
    """
    events = _history(model, recorded_at, where, keys).order_by(
        "pgh_obj_id", "-pgh_created_at", "-pgh_id"
    )
    return _last_state(model, events, where, keys)


def state_at(
    model: type[models.Model],
    instant: dt.datetime,
    recorded_at: dt.datetime | None = None,
    *where,
    **keys,
) -> models.QuerySet:
    """The rows' values at ``instant`` for facts true from when the registry recorded them
    (a deployment's decimals, a market's fees), as known at ``recorded_at`` (None: now).

    For each row: its last history event by ``instant``; a row first recorded after
    ``instant`` answers with the first values recorded (what the registry learned of a
    fact that was already true, such as a market listed years before it was imported,
    is taken to have held since). A row deleted by ``instant`` is not there.
    """
    events = _history(model, recorded_at, where, keys)
    by_instant = models.Case(
        models.When(pgh_created_at__lte=instant, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )
    # Before the instant: the latest first; after it: the earliest first.
    toward_instant = models.Case(
        models.When(pgh_created_at__lte=instant, then=-models.F("pgh_id")),
        default=models.F("pgh_id"),
        output_field=models.BigIntegerField(),
    )
    events = events.alias(by_instant=by_instant, toward_instant=toward_instant).order_by(
        "pgh_obj_id", "by_instant", "toward_instant"
    )
    return _last_state(model, events, where, keys)


def instances(model: type[models.Model], rows) -> list[models.Model]:
    """History event rows as (unsaved) instances of the model they record, so that the
    model's own properties and methods answer for them. A column the history does not
    keep (one PostgreSQL generates) is left unset."""
    names = [
        field.attname
        for field in model._meta.concrete_fields
        if not isinstance(field, models.GeneratedField)
    ]
    return [model(**{name: getattr(row, name) for name in names}) for row in rows]


def valid_at(start_field: str, end_field: str, instant: dt.datetime) -> models.Q:
    """Rows whose period [start, end) holds ``instant``; a null start is "since always",
    a null end "still"."""
    return (
        models.Q(**{f"{start_field}__isnull": True}) | models.Q(**{f"{start_field}__lte": instant})
    ) & (models.Q(**{f"{end_field}__isnull": True}) | models.Q(**{f"{end_field}__gt": instant}))


def objects_at(model: type[models.Model], moment: Moment, pks) -> dict:
    """{pk: instance} of the rows ``pks`` name as they were at ``moment`` (``state_at``):
    what an answer about the moment shows of a row it refers to (a deployment's chain, a
    market's instrument), even one deleted since."""
    rows = state_at(model, moment.as_of, moment.known_at, pgh_obj_id__in=list(set(pks)))
    return {instance.pk: instance for instance in instances(model, rows)}


def object_at(shown: type[models.Model], moment: Moment, **lookup) -> models.Model | None:
    """The one object ``lookup`` names (``pk=…`` or a unique field) as it was at
    ``moment``, an instance of ``shown`` (a proxy, such as a venue ticker of a market,
    or the model): its fields as recorded by ``as_of`` (``state_at``), as the registry
    held them at ``known_at``. None when it was deleted by then (a soft-deleted row too),
    or not recorded by ``known_at``; one recorded after ``as_of`` answers with the first
    values recorded, as the lookups do."""
    model = shown._meta.concrete_model
    keys = {("pgh_obj_id" if name == "pk" else name): value for name, value in lookup.items()}
    found = instances(shown, state_at(model, moment.as_of, moment.known_at, **keys)[:1])
    if not found:
        return None
    if _deleted_by(found[0], moment) or any(
        _deleted_by(related, moment) for related in _soft_deleted_relations(found[0], moment)
    ):
        return None
    return found[0]


def _deleted_by(row, moment: Moment) -> bool:
    deleted_at = getattr(row, "deleted_at", None)
    return deleted_at is not None and deleted_at <= moment.as_of


def _soft_deleted_relations(row: models.Model, moment: Moment) -> list:
    """The rows ``row`` refers to that can be soft-deleted (an identifier's asset), as
    they were at ``moment``: what hangs off an asset deleted by then is not there, as a
    current read hides it."""
    related = []
    for field in row._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        value = getattr(row, field.attname) if target is not None else None
        if value is not None and any(f.name == "deleted_at" for f in target._meta.fields):
            related.extend(objects_at(target, moment, [value]).values())
    return related


def held_rows(model: type[models.Model], moment: Moment, *where, **keys):
    """``model``'s rows as the registry held them at the moment's ``known_at``: the table
    itself when that is now (every row, soft-deleted ones too), else its history."""
    if moment.known_at is None:
        return model._base_manager.filter(*where, **keys)
    keys = {_history_key(name): value for name, value in keys.items()}
    return as_recorded(model, moment.known_at, *where, **keys)


def _history_key(name: str) -> str:
    """A filter on the primary key (``pk``, ``pk__in``) as the history names it."""
    field, _, lookup = name.partition("__")
    return (
        f"pgh_obj_id__{lookup}"
        if field == "pk" and lookup
        else ("pgh_obj_id" if field == "pk" else name)
    )
