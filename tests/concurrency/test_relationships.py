"""The relationship graph stays acyclic when the edges that would close a cycle are sent
at once from different clients (assets.services.relationship_create): one end wins, the
others are refused as a sequential cycle is (409 invalid_relationship), whatever the
relationship types (every type is an edge of the one graph)."""

import pytest

from assets.choices import RelationshipType
from assets.models import AssetRelationship
from tests.concurrency.race import CLIENTS, clients_of, error_codes, race, statuses
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/relationships/"
TYPES = list(RelationshipType.values)
ROUNDS = 3  # the interleaving differs from run to run: each round is a new graph


def link(parent, child, relationship_type: str) -> dict:
    return {
        "parent_asset": str(parent.asset_id),
        "child_asset": str(child.asset_id),
        "relationship_type": relationship_type,
    }


def send_at_once(client, bodies: list[dict]) -> list:
    return race(
        [
            lambda client=each, body=body: client.post(URL, body, format="json")
            for each, body in zip(clients_of(client, len(bodies)), bodies, strict=True)
        ]
    )


def has_cycle(edges: set[tuple]) -> bool:
    """A depth-first search over the stored edges, independent of the registry's query."""
    children: dict = {}
    for parent, child in edges:
        children.setdefault(parent, set()).add(child)
    visiting, done = set(), set()

    def visit(node) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        found = any(visit(child) for child in children.get(node, ()))
        visiting.discard(node)
        done.add(node)
        return found

    return any(visit(node) for node in list(children))


def stored_edges(*assets) -> set[tuple]:
    ids = [asset.asset_id for asset in assets]
    return set(
        AssetRelationship.objects.filter(parent_asset__in=ids, child_asset__in=ids).values_list(
            "parent_asset_id", "child_asset_id"
        )
    )


def test_a_link_and_its_reverse_sent_at_once_are_one_link(steward):
    """Half the clients link B as a variant of A, half A as a variant of B, each with a
    type of its own: the first edge committed stands, every other request is a 409."""
    for _ in range(ROUNDS):
        a, b = AssetFactory(), AssetFactory()
        bodies = [
            link(a, b, TYPES[index % len(TYPES)])
            if index % 2
            else link(b, a, TYPES[index % len(TYPES)])
            for index in range(CLIENTS)
        ]
        responses = send_at_once(steward, bodies)
        edges = stored_edges(a, b)
        assert len(edges) == 1, edges
        (edge,) = edges
        created = [r for r in responses if r.status_code == 201]
        assert all(
            (r.json()["parent_asset"], r.json()["child_asset"]) == tuple(map(str, edge))
            for r in created
        )
        assert statuses(responses)[409] == CLIENTS - len(created)
        assert error_codes(responses, 409) == {"invalid_relationship"}
        assert not has_cycle(edges)


def test_a_three_hop_cycle_raced_on_every_edge_never_closes(steward):
    """A -> B, B -> C and C -> A sent by sixteen clients at once: any two edges of the
    three stand (they make a path), the third would close the cycle and is refused."""
    for _ in range(ROUNDS):
        a, b, c = AssetFactory(), AssetFactory(), AssetFactory()
        hops = [(a, b), (b, c), (c, a)]
        bodies = [link(*hops[index % 3], TYPES[index % len(TYPES)]) for index in range(CLIENTS)]
        responses = send_at_once(steward, bodies)
        edges = stored_edges(a, b, c)
        assert len(edges) == 2, edges
        assert not has_cycle(edges)
        assert (
            statuses(responses)[201]
            == AssetRelationship.objects.filter(parent_asset__in=[a, b, c]).count()
        )
        assert set(statuses(responses)) == {201, 409}, [r.content for r in responses]
        assert error_codes(responses, 409) == {"invalid_relationship"}
