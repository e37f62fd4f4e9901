"""The variant graph of an asset, drawn as a self-contained SVG on the server.

Underlying assets sit above the asset, its variants below, one layer per step along the
relationships (rank -2, -1, 0 = the asset, 1, 2 …). Edges run from the underlying to the
variant with an arrowhead and their relationship type (and the conversion rate when it is
not 1). No script, no web font, no external resource: the markup can be inlined into a
page or served as ``image/svg+xml`` as it is.

An app above assets may mark assets in the picture (those with active flags, by their
highest severity) with a ``NodeMarks``: a red border, a badge and a line of the node's
title. Without one, nodes are drawn unmarked.

Two queries whatever the size of the graph: one recursive walk of the relationship table
that also picks the nodes to show, and one read of those assets with what marks them.
"""

import html
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Expression
from django.urls import reverse

from assets.models import Asset, AssetRelationship
from registry.numbers import plain_decimal

# At most this many assets in one picture, the asset itself included; a caption says how
# many related assets were left out.
MAX_NODES = 40
# A layer wider than this wraps onto further rows, so a token with hundreds of bridged
# copies gives a tall picture rather than one thousands of pixels wide.
NODES_PER_ROW = 6

NODE_WIDTH = 168
NODE_HEIGHT = 52
COLUMN_GAP = 28
ROW_GAP = 84  # room between layers for the edge labels
PADDING = 24
CAPTION_HEIGHT = 28
MIN_WIDTH = 420

SYMBOL_CHARS = 18
NAME_CHARS = 24

FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Noto Sans', 'DejaVu Sans', sans-serif"
)

MARKED_BORDER = "#dc2626"
EDGE_COLOUR = "#6b7280"

# Characters XML 1.0 does not allow at all; they are dropped rather than escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str:
    """``value`` as XML character data or attribute value (quotes escaped too)."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class NodeMark:
    """How one asset is marked: ``badge`` above its box, in ``background`` and
    ``foreground`` colours, ``description`` in its title, and ``data`` = (name, value) as
    a ``data-<name>`` attribute of the node and its badge."""

    badge: str
    background: str
    foreground: str
    description: str
    data: tuple[str, str]


@dataclass(frozen=True)
class NodeMarks:
    """What marks assets, from an app above assets: ``annotation`` is read with the shown
    assets (one query for all of them) and ``mark`` turns its value into an asset's mark,
    None for none."""

    annotation: Expression
    mark: Callable[[Any], NodeMark | None]


@dataclass
class _Node:
    asset: Asset
    rank: int
    mark: NodeMark | None
    x: float = 0.0
    y: float = 0.0
    position: float = 0.5  # where in its layer, 0 (left) to 1 (right), for ordering

    @property
    def is_root(self) -> bool:
        return self.rank == 0


@dataclass
class _Edge:
    parent_id: uuid.UUID
    child_id: uuid.UUID
    labels: list[str] = field(default_factory=list)


def _walk(asset_id: uuid.UUID, depth: int, limit: int, using: str):
    """The shown neighbourhood of ``asset_id``: ``(ranks, edges, related_count)``.

    ``ranks`` maps each shown asset (not the asset itself) to its layer: minus the
    shortest number of steps up to it, or plus the steps down. The nearest layers are
    kept first and, within a layer, live assets by symbol, up to ``limit``; a kept asset's
    nearer neighbour is always kept, so nothing shown floats unconnected. ``edges`` are the
    walked relationships between shown assets; ``related_count`` counts every asset
    within ``depth``, shown or not.
    """
    relationships = AssetRelationship._meta.db_table
    assets = Asset._meta.db_table
    sql = f"""
        WITH RECURSIVE up(relationship_id, parent_id, child_id, kind, rate, depth) AS (
            SELECT r.relationship_id, r.parent_asset_id, r.child_asset_id,
                   r.relationship_type::text, r.conversion_rate, 1
            FROM {relationships} r
            WHERE r.child_asset_id = %(root)s AND %(depth)s >= 1
            UNION
            SELECT r.relationship_id, r.parent_asset_id, r.child_asset_id,
                   r.relationship_type::text, r.conversion_rate, u.depth + 1
            FROM up u JOIN {relationships} r ON r.child_asset_id = u.parent_id
            WHERE u.depth < %(depth)s
        ), down(relationship_id, parent_id, child_id, kind, rate, depth) AS (
            SELECT r.relationship_id, r.parent_asset_id, r.child_asset_id,
                   r.relationship_type::text, r.conversion_rate, 1
            FROM {relationships} r
            WHERE r.parent_asset_id = %(root)s AND %(depth)s >= 1
            UNION
            SELECT r.relationship_id, r.parent_asset_id, r.child_asset_id,
                   r.relationship_type::text, r.conversion_rate, d.depth + 1
            FROM down d JOIN {relationships} r ON r.parent_asset_id = d.child_id
            WHERE d.depth < %(depth)s
        ), edges AS (
            SELECT DISTINCT ON (relationship_id) *
            FROM (
                SELECT up.*, up.parent_id AS far_id, -up.depth AS far_rank FROM up
                UNION ALL
                SELECT down.*, down.child_id, down.depth FROM down
            ) walked
            ORDER BY relationship_id, depth
        ), placed AS (
            SELECT DISTINCT ON (far_id) far_id AS asset_id, far_rank AS rank
            FROM edges WHERE far_id <> %(root)s
            ORDER BY far_id, abs(far_rank), far_rank
        ), kept AS (
            SELECT p.asset_id, p.rank
            FROM placed p JOIN {assets} a ON a.asset_id = p.asset_id
            ORDER BY abs(p.rank), p.rank, a.deleted_at IS NOT NULL, a.symbol_key, a.asset_id
            LIMIT %(limit)s
        ), shown AS (
            SELECT asset_id FROM kept UNION SELECT %(root)s::uuid
        )
        SELECT
            (SELECT count(*) FROM placed),
            (SELECT json_agg(json_build_array(asset_id, rank)) FROM kept),
            (SELECT json_agg(
                        json_build_array(parent_id, child_id, kind, rate::text)
                        ORDER BY parent_id, child_id, kind
                    )
             FROM edges
             WHERE parent_id IN (SELECT asset_id FROM shown)
               AND child_id IN (SELECT asset_id FROM shown))
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, {"root": asset_id, "depth": depth, "limit": limit})
        related_count, kept, walked = cursor.fetchone()
    ranks = {uuid.UUID(asset): rank for asset, rank in kept or []}
    edges: dict[tuple[uuid.UUID, uuid.UUID], _Edge] = {}
    for parent, child, kind, rate in walked or []:
        key = (uuid.UUID(parent), uuid.UUID(child))
        edge = edges.setdefault(key, _Edge(*key))
        edge.labels.append(_edge_label(kind, rate))
    return ranks, list(edges.values()), related_count


def _edge_label(kind: str, rate: str | None) -> str:
    if rate is None:
        return kind
    rate = Decimal(rate)
    return kind if rate == 1 else f"{kind} \u00d7{plain_decimal(rate)}"


def _order_layers(nodes: dict[uuid.UUID, _Node], edges: list[_Edge]) -> dict[int, list[_Node]]:
    """Nodes by layer, each layer ordered by where its neighbours nearer the asset sit
    (the barycentre heuristic, one sweep outwards), then live before deleted, by symbol."""
    neighbours: dict[uuid.UUID, list[uuid.UUID]] = {key: [] for key in nodes}
    for edge in edges:
        neighbours[edge.parent_id].append(edge.child_id)
        neighbours[edge.child_id].append(edge.parent_id)
    layers: dict[int, list[_Node]] = {}
    for node in nodes.values():
        layers.setdefault(node.rank, []).append(node)
    placed: set[uuid.UUID] = set()
    outwards = [0, *range(1, max(layers) + 1), *range(-1, min(layers) - 1, -1)]
    for rank in outwards:
        layer = layers.get(rank, [])

        def key(node: _Node) -> tuple:
            near = [nodes[n].position for n in neighbours[node.asset.pk] if n in placed]
            centre = sum(near) / len(near) if near else 0.5
            return (centre, node.asset.is_deleted, node.asset.symbol_key, str(node.asset.pk))

        layer.sort(key=key)
        for row_start in range(0, len(layer), NODES_PER_ROW):
            row = layer[row_start : row_start + NODES_PER_ROW]
            for index, node in enumerate(row):
                node.position = (index + 0.5) / len(row)
        placed.update(node.asset.pk for node in layer)
    return dict(sorted(layers.items()))


def _lay_out(layers: dict[int, list[_Node]]) -> tuple[int, int]:
    """Give every node its top-left corner; return the drawing's width and its height
    without the caption."""
    columns = max(min(len(layer), NODES_PER_ROW) for layer in layers.values())
    width = max(MIN_WIDTH, 2 * PADDING + columns * NODE_WIDTH + (columns - 1) * COLUMN_GAP)
    y = PADDING + 10  # room for a badge above the top row
    for layer in layers.values():
        for row_start in range(0, len(layer), NODES_PER_ROW):
            row = layer[row_start : row_start + NODES_PER_ROW]
            row_width = len(row) * NODE_WIDTH + (len(row) - 1) * COLUMN_GAP
            x = (width - row_width) / 2
            for node in row:
                node.x, node.y = x, y
                x += NODE_WIDTH + COLUMN_GAP
            y += NODE_HEIGHT + ROW_GAP
    return width, round(y - ROW_GAP + PADDING)


def _draw_edge(edge: _Edge, parent: _Node, child: _Node, marker: str) -> str:
    x1, x2 = parent.x + NODE_WIDTH / 2, child.x + NODE_WIDTH / 2
    if child.y > parent.y:  # the usual case: the variant below its underlying
        y1, y2 = parent.y + NODE_HEIGHT, child.y - 2  # the arrowhead clear of the border
        bend = (y2 - y1) / 2
        c1, c2 = y1 + bend, y2 - bend
    elif child.y < parent.y:
        y1, y2 = parent.y, child.y + NODE_HEIGHT + 2
        bend = (y1 - y2) / 2
        c1, c2 = y1 - bend, y2 + bend
    else:  # two assets of one row: loop below it
        y1 = y2 = parent.y + NODE_HEIGHT
        c1 = c2 = y1 + ROW_GAP * 0.6
    # A symmetric cubic passes through the midpoint of its ends' and controls' averages.
    label_x, label_y = (x1 + x2) / 2, (y1 + y2 + c1 + c2) / 4
    label = " · ".join(edge.labels)
    path = " ".join(
        [
            f"M{_number(x1)},{_number(y1)}",
            f"C{_number(x1)},{_number(c1)}",
            f"{_number(x2)},{_number(c2)}",
            f"{_number(x2)},{_number(y2)}",
        ]
    )
    return (
        f'<g class="edge" data-parent="{parent.asset.pk}" data-child="{child.asset.pk}">'
        f"<title>{_text(child.asset.symbol)} {_text(label)} {_text(parent.asset.symbol)}"
        "</title>"
        f'<path d="{path}" fill="none" stroke="{EDGE_COLOUR}" stroke-width="1.5" '
        f'marker-end="url(#{marker})"/>'
        f'<text x="{_number(label_x)}" y="{_number(label_y + 4)}" text-anchor="middle" '
        'font-size="11" font-weight="600" fill="#374151" stroke="#ffffff" stroke-width="4" '
        f'stroke-linejoin="round" paint-order="stroke">{_text(label)}</text>'
        "</g>"
    )


def _draw_node(node: _Node) -> str:
    asset = node.asset
    fill, stroke, stroke_width, text_colour, dash = "#ffffff", "#9ca3af", 1.5, "#111827", ""
    if node.is_root:
        fill, stroke, stroke_width = "#e0ecff", "#1d4ed8", 3
    if asset.is_deleted:
        fill, stroke, text_colour, dash = "#f3f4f6", "#9ca3af", "#9ca3af", ' stroke-dasharray="5 3"'
    mark = node.mark
    if mark is not None:
        stroke, stroke_width = MARKED_BORDER, 3
    name = asset.name if not asset.is_deleted else f"deleted · {asset.name}"
    description = [f"{asset.symbol} — {asset.name}", asset.asset_type]
    if asset.is_deleted:
        description.append("deleted")
    if mark is not None:
        description.append(mark.description)
    url = reverse("admin:assets_asset_change", args=[asset.pk])
    centre = node.x + NODE_WIDTH / 2
    attributes = f'class="node" data-asset-id="{asset.pk}" data-rank="{node.rank}"'
    if node.is_root:
        attributes += ' data-root="true"'
    if asset.is_deleted:
        attributes += ' data-deleted="true"'
    if mark is not None:
        data = f'data-{_text(mark.data[0])}="{_text(mark.data[1])}"'
        attributes += f" {data}"
    parts = [
        f'<a href="{_text(url)}" xlink:href="{_text(url)}" {attributes}>',
        f"<title>{_text(' · '.join(description))}</title>",
        f'<rect x="{_number(node.x)}" y="{_number(node.y)}" width="{NODE_WIDTH}" '
        f'height="{NODE_HEIGHT}" rx="8" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{stroke_width}"{dash}/>',
        f'<text x="{_number(centre)}" y="{_number(node.y + 22)}" text-anchor="middle" '
        f'font-size="15" font-weight="700" fill="{text_colour}">'
        f"{_text(_shorten(asset.symbol, SYMBOL_CHARS))}</text>",
        f'<text x="{_number(centre)}" y="{_number(node.y + 40)}" text-anchor="middle" '
        f'font-size="11" fill="{text_colour if asset.is_deleted else "#4b5563"}">'
        f"{_text(_shorten(name, NAME_CHARS))}</text>",
    ]
    if mark is not None:
        badge_width = round(len(mark.badge) * 6.6 + 14)
        badge_x = node.x + NODE_WIDTH - badge_width - 6
        parts += [
            f'<g class="badge" {data}>',
            f'<rect x="{_number(badge_x)}" y="{_number(node.y - 10)}" width="{badge_width}" '
            f'height="18" rx="9" fill="{_text(mark.background)}"/>',
            f'<text x="{_number(badge_x + badge_width / 2)}" y="{_number(node.y + 3)}" '
            'text-anchor="middle" font-size="10" font-weight="700" '
            f'fill="{_text(mark.foreground)}">{_text(mark.badge)}</text>',
            "</g>",
        ]
    parts.append("</a>")
    return "".join(parts)


def variant_graph_svg(asset: Asset, *, depth: int = 3, marks: NodeMarks | None = None) -> str:
    """An SVG picture of ``asset``'s underlying assets (above, up to ``depth`` steps) and
    variants (below, up to ``depth`` steps), at most ``MAX_NODES`` assets.

    Each asset links to its admin change page; assets ``marks`` marks have a red border
    and a badge; deleted assets are grey. Two queries.
    """
    if depth < 0:
        raise ValueError("depth must not be negative")
    using = asset._state.db or "default"
    ranks, edges, related_count = _walk(asset.pk, depth, MAX_NODES - 1, using)
    ranks[asset.pk] = 0
    shown = Asset.all_objects.using(using).filter(pk__in=list(ranks))
    if marks is not None:
        shown = shown.annotate(marked_by=marks.annotation)
    nodes = {
        row.pk: _Node(row, ranks[row.pk], None if marks is None else marks.mark(row.marked_by))
        for row in shown
    }
    if asset.pk not in nodes:  # not saved, or gone: draw it from what we were given
        nodes[asset.pk] = _Node(asset, 0, None)
    edges = [edge for edge in edges if edge.parent_id in nodes and edge.child_id in nodes]

    layers = _order_layers(nodes, edges)
    width, height = _lay_out(layers)
    left_out = related_count - (len(nodes) - 1)
    above = sum(1 for node in nodes.values() if node.rank < 0)
    below = sum(1 for node in nodes.values() if node.rank > 0)
    if left_out > 0:
        caption = (
            f"{left_out} more related asset{'s' if left_out != 1 else ''} not shown "
            f"(showing {len(nodes)} of {related_count + 1})"
        )
    elif not edges:
        caption = "No underlying assets or variants."
    else:
        caption = ""
    total_height = height + (CAPTION_HEIGHT if caption else 0)

    suffix = asset.pk.hex[:12] if isinstance(asset.pk, uuid.UUID) else "asset"
    title_id, desc_id, marker = (f"cqar-graph-{suffix}-{part}" for part in ("t", "d", "arrow"))
    title = f"Variant graph of {asset.symbol} ({asset.name})"
    desc = (
        f"{above} underlying asset{'s' if above != 1 else ''} above, "
        f"{below} variant{'s' if below != 1 else ''} below, within {depth} "
        f"step{'s' if depth != 1 else ''}." + (f" {caption}" if caption else "")
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'class="cqar-variant-graph" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'width="{width}" height="{total_height}" viewBox="0 0 {width} {total_height}" '
        f'font-family="{_text(FONT_STACK)}">',
        f'<title id="{title_id}">{_text(title)}</title>',
        f'<desc id="{desc_id}">{_text(desc)}</desc>',
        "<defs>"
        f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse" markerUnits="userSpaceOnUse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{EDGE_COLOUR}"/></marker>'
        "</defs>",
        f'<rect width="{width}" height="{total_height}" fill="#ffffff"/>',
    ]
    parts += [
        _draw_edge(edge, nodes[edge.parent_id], nodes[edge.child_id], marker) for edge in edges
    ]
    parts += [_draw_node(node) for layer in layers.values() for node in layer]
    if caption:
        parts.append(
            f'<text class="caption" x="{width / 2:g}" y="{height + CAPTION_HEIGHT / 2:g}" '
            f'text-anchor="middle" font-size="12" fill="#4b5563">{_text(caption)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
