"""The relationship graph never holds a cycle: relationship_create's check
(AssetRelationship.objects.would_create_cycle) agrees with a plain depth-first search
over random small graphs, edge by edge, whatever the relationship types."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets import services
from assets.choices import RelationshipType
from assets.models import AssetRelationship
from registry.exceptions import InvalidRelationshipError
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

NODES = 6
EDGES = st.lists(
    st.tuples(
        st.integers(0, NODES - 1),
        st.integers(0, NODES - 1),
        st.sampled_from([RelationshipType.WRAPS, RelationshipType.BRIDGES]),
    ),
    max_size=20,
)


def reachable(edges: set[tuple[int, int]], start: int, goal: int) -> bool:
    """The reference: depth-first search from ``start`` along parent -> child edges."""
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(child for parent, child in edges if parent == node)
    return False


def is_acyclic(edges: set[tuple[int, int]]) -> bool:
    return not any(reachable(edges, child, parent) for parent, child in edges)


@pytest.fixture
def assets():
    return [AssetFactory() for _ in range(NODES)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(attempts=EDGES)
def test_a_link_is_refused_exactly_when_it_would_close_a_cycle(assets, attempts):
    AssetRelationship.objects.all().delete()  # each example starts from an empty graph
    accepted: set[tuple[int, int, str]] = set()
    for parent, child, kind in attempts:
        graph = {(p, c) for p, c, _ in accepted}
        closes_cycle = parent == child or reachable(graph, child, parent)
        repeats = (parent, child, kind) in accepted
        try:
            services.relationship_create(
                parent_asset=assets[parent], child_asset=assets[child], relationship_type=kind
            )
        except InvalidRelationshipError:
            assert closes_cycle or repeats, (parent, child, kind, sorted(accepted))
        else:
            assert not (closes_cycle or repeats), (parent, child, kind, sorted(accepted))
            accepted.add((parent, child, kind))
    stored = {
        (index_of(assets, r.parent_asset_id), index_of(assets, r.child_asset_id))
        for r in AssetRelationship.objects.all()
    }
    assert stored == {(p, c) for p, c, _ in accepted}
    assert is_acyclic(stored)


def index_of(assets, asset_id) -> int:
    return next(index for index, asset in enumerate(assets) if asset.pk == asset_id)
