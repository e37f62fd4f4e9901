"""Where each field of an asset came from, and whether an import may change it.

Every service write of an asset records, per field it set, the source of the write:
``manual`` for a person (API, admin, shell) or the importer's source
(``import:tokenlist:Uniswap Labs Default@22.21.0``). An import then changes a field
only when the field's current source is no stronger than the import's, by
``IMPORT_SOURCE_PRECEDENCE`` (strongest first; by default a person beats every import,
and a CSV a steward prepared beats the published lists). ``--overwrite`` lifts the rule.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import connection
from django.utils import timezone

from assets.models import AssetFieldSource
from registry.actors import current_actor, current_source

# The asset fields whose source is tracked: everything a list or a person can set.
TRACKED_FIELDS = (
    "symbol",
    "name",
    "asset_type",
    "category",
    "description",
    "logo_url",
    "website_url",
    "metadata",
)


def write_source() -> str:
    """The source a write made now is recorded as."""
    source = current_source()
    return source if source.startswith("import:") else "manual"


def record_sources(fields_by_asset: Mapping[object, Iterable[str]]) -> None:
    """Note the current write's source for these fields of these assets (one upsert)."""
    pairs = [
        (asset_id, name)
        for asset_id, names in fields_by_asset.items()
        for name in names
        if name in TRACKED_FIELDS
    ]
    if not pairs:
        return
    # One statement for any number of fields (an import sets tens of thousands).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {AssetFieldSource._meta.db_table} (asset_id, field, source, actor, set_at)
            SELECT pair.asset_id, pair.field, %s, %s, %s
            FROM unnest(%s::uuid[], %s::text[]) AS pair(asset_id, field)
            ON CONFLICT (asset_id, field) DO UPDATE
            SET source = EXCLUDED.source, actor = EXCLUDED.actor, set_at = EXCLUDED.set_at
            """,
            [
                write_source(),
                current_actor(),
                timezone.now(),
                [asset_id for asset_id, _ in pairs],
                [name for _, name in pairs],
            ],
        )


def sources_of(asset_ids: Iterable) -> dict[object, dict[str, str]]:
    """{asset_id: {field: source}} for these assets (one query)."""
    found: dict[object, dict[str, str]] = {}
    for asset_id, name, source in AssetFieldSource.objects.filter(
        asset_id__in=list(asset_ids)
    ).values_list("asset_id", "field", "source"):
        found.setdefault(asset_id, {})[name] = source
    return found


def _rank(source: str) -> int:
    """Position in IMPORT_SOURCE_PRECEDENCE of the longest prefix that matches."""
    best, length = len(settings.IMPORT_SOURCE_PRECEDENCE), -1
    for index, prefix in enumerate(settings.IMPORT_SOURCE_PRECEDENCE):
        if (source == prefix or source.startswith(prefix + ":")) and len(prefix) > length:
            best, length = index, len(prefix)
    return best


def may_change(current: str | None, incoming: str, *, overwrite: bool = False) -> bool:
    """May a write from ``incoming`` replace a field last set by ``current``?"""
    if overwrite or current is None or current == incoming:
        return True
    return _rank(incoming) <= _rank(current)
