"""PostgreSQL under faults (docs/RELIABILITY.md, "The database").

- ``postgres_restarted``: the scenario's own cluster crashes (``pg_ctl stop -m
  immediate``) under load on two web instances and the gRPC server and starts again.
  While it is away every answer that fails is a 503 in the API's error shape (never a
  500, a traceback or no answer; over gRPC, UNAVAILABLE); both instances answer again by
  themselves, and every write acknowledged at any time is in the database afterwards.
- ``restore_drill``: a registry with writes and events, some of them published, is
  dumped (``pg_dump``) and restored into a fresh database; writes after the dump (which
  the restore loses) are cached in its Redis, and their events and those unpublished at
  the dump are published. A server started on the restored database and that Redis
  answers the same lookups as the original did at the dump, and its outbox sends none
  of the events again and numbers its new ones above the lost writes' on the stream:
  every event on the stream once, its number the outbox's, in order.
"""

import re
import time
from urllib.parse import urlencode

from tests.events.worker import wait_for
from tests.reliability.report import ScenarioResult
from tests.reliability.stack import (
    TICKER,
    USDC_ON_ETHEREUM,
    Load,
    RegistryDatabase,
    Stack,
    database_name,
    delete_stream,
    describe,
    events_env,
    stream_messages,
)

STEADY_SECONDS = 5
QUICK_STEADY_SECONDS = 1.5
# Where a publish must not go: a Celery broker must be named next to NATS_URL, and the
# publishing command never uses it.
NO_BROKER = {"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:9//"}


def postgres_restarted(quick: bool) -> ScenarioResult:
    result = ScenarioResult("postgres_restarted")
    outage = 2 if quick else 10
    with Stack(
        result.scenario, webs=2, cluster=True, grpc=True, workers_per_web=1 if quick else 2
    ) as stack:
        with Load(stack, readers=1 if quick else 2, write_pause=0.3 if quick else 0.1) as load:
            steady = QUICK_STEADY_SECONDS if quick else STEADY_SECONDS
            time.sleep(steady)
            down_at = time.monotonic()
            with load.quiet_grpc():  # pg_ctl runs as postgres: forked, not vforked
                stack.cluster.stop("immediate")  # a crash: no checkpoint, recovery at start
            time.sleep(outage)
            with load.quiet_grpc():
                stack.cluster.start()
            back_at = time.monotonic()
            recovered_at = wait_for(
                lambda: load.first_good_after(back_at, kinds=("list", "detail")),
                60,
                "both web instances to answer REST reads again",
            )
            result.recovery_seconds = recovered_at - back_at
            time.sleep(steady)
        load.record(result)
        during = load.between(down_at, back_at)
        failed = [a for a in load.answers if not a.good and not a.unavailable]
        result.check(
            not failed, f"{len(failed)} answers neither good nor unavailable: {describe(failed)}"
        )
        unavailable = [a for a in load.answers if a.unavailable]
        result.check(
            bool(unavailable), f"no request saw the database away ({len(during)} during it)"
        )
        wrong_code = [
            a
            for a in unavailable
            if a.status == 503 and a.body.get("error", {}).get("code") != "unavailable"
        ]
        result.check(not wrong_code, f"503s without code 'unavailable': {describe(wrong_code)}")
        late = [a for a in unavailable if a.sent > recovered_at]
        result.check(not late, f"503s after the recovery: {describe(late)}")

        created = [asset_id for asset_id, _ in load.created]
        present = {
            str(row[0])
            for row in stack.database.query(
                "SELECT asset_id FROM assets_asset WHERE asset_id = ANY(%s::uuid[])", (created,)
            )
        }
        missing = [asset_id for asset_id in created if asset_id not in present]
        result.check(not missing, f"acknowledged creates missing after the restart: {missing}")
        name = stack.database.query(
            "SELECT name FROM assets_asset WHERE asset_id = %s", (load.probes.renamed,)
        )[0][0]
        if load.renames:
            # The last acknowledged name, or one sent after it whose answer was lost.
            later = load.rename_attempts[load.rename_attempts.index(load.renames[-1]) :]
            result.check(name in later, f"the probe is named {name!r}, acknowledged {later[0]!r}")
        result.notes.append(
            f"PostgreSQL crashed for {outage} s: {len(during)} requests during it, "
            f"{len(unavailable)} answered 503 (p99 {load.latency_ms(unavailable):.0f} ms), "
            f"{len(created)} acknowledged creates all present"
        )
    return result


def lookups(load: Load) -> list[str]:
    """The answers a restored registry must give exactly as the original did."""
    probes = load.probes
    paths = [
        "/api/v1/resolve/pretrade/?" + urlencode({"asset": probes.counterfeit}),
        "/api/v1/resolve/pretrade/?" + urlencode({"asset": probes.flagged}),
        "/api/v1/resolve/pretrade/?" + urlencode({"asset": probes.btc}),
        "/api/v1/resolve/venue-symbol/?" + urlencode(TICKER),
        "/api/v1/resolve/deployment/?" + urlencode(USDC_ON_ETHEREUM),
        "/api/v1/resolve/symbol/?symbol=USDC",
        "/api/v1/resolve/aggregate/?group=ETH",
        "/api/v1/resolve/instrument/?code=BTC-USDT-PERP",
        "/api/v1/assets/?page_size=200",
        f"/api/v1/assets/{probes.renamed}/",
        "/api/v1/quality-flags/?page_size=200",
        "/api/v1/events/?limit=1000",
    ]
    paths += [
        "/api/v1/resolve/symbol/?" + urlencode({"symbol": symbol}) for _, symbol in load.created
    ]
    return paths


def write_after_the_backup(stack: Stack, probes, symbol: str) -> list[int]:
    """A created asset, a rename and a CRITICAL flag: their statuses."""
    web, token = stack.webs[0], stack.steward
    return [
        web.request(
            "POST",
            "/api/v1/assets/",
            token,
            {"symbol": symbol, "name": "Lost in the restore", "asset_type": "ERC20"},
        )[0],
        web.request(
            "PATCH", f"/api/v1/assets/{probes.renamed}/", token, {"name": "Lost in the restore"}
        )[0],
        web.request(
            "POST",
            "/api/v1/quality-flags/",
            token,
            {"asset": probes.btc, "flag_type": "EXPLOITED", "severity": 5, "reason": "lost"},
        )[0],
    ]


def published_count(output: str) -> int:
    return int(re.search(r"published (\d+)", output).group(1))


def restore_drill(quick: bool) -> ScenarioResult:
    result = ScenarioResult("restore_drill")
    bus = {**events_env("restore_drill"), **NO_BROKER}
    try:
        with Stack("restore_source", webs=1, workers_per_web=1) as source:
            # Writes, then a publish of everything so far, then writes left unpublished.
            with Load(source, readers=1, write_pause=0.1) as load:
                time.sleep(1.5 if quick else 6)
            first_published = published_count(source.manage("outbox", "publish", **bus))
            with Load(source, readers=1, write_pause=0.1) as more:
                time.sleep(1 if quick else 3)
            load.record(result)
            more.record(result)
            load.created += more.created
            status_at_dump = dict(
                source.database.query(
                    "SELECT status, count(*) FROM registry_outboxevent GROUP BY status"
                )
            )
            unpublished_at_dump = sum(n for s, n in status_at_dump.items() if s != "PUBLISHED")
            lost_symbol = f"RLLOST{int(time.time())}"
            paths = [
                *lookups(load),
                "/api/v1/resolve/symbol/?" + urlencode({"symbol": lost_symbol}),
            ]
            at_dump = {path: source.webs[0].request("GET", path, source.steward) for path in paths}
            restored = RegistryDatabase.restored_from(
                source.database, database_name("restore_target")
            )
            # Writes after the backup, which the restore loses, and their answers cached in
            # Redis; then the source's web processes go (the disaster), its Redis stays.
            lost = write_after_the_backup(source, load.probes, lost_symbol)
            result.check(lost == [201, 200, 201], f"the writes after the backup: {lost}")
            for path in paths:
                source.webs[0].request("GET", path, source.steward)
            # Before the disaster the old workers publish the events unpublished at the
            # dump and the lost writes': the stream holds numbers the restored sequence
            # has not reached.
            after_dump = published_count(source.manage("outbox", "publish", **bus))
            source_events = dict(
                source.database.query("SELECT event_id::text, sequence FROM registry_outboxevent")
            )
            source.webs[0].stop()
            with Stack(
                "restore_target", webs=1, workers_per_web=1, database=restored, redis=source.redis
            ) as target:
                compared = differing = 0
                for path in paths:
                    before = at_dump[path]
                    after = target.webs[0].request("GET", path, target.steward)
                    result.count(before[0])
                    result.count(after[0])
                    compared += 1
                    if before != after:
                        differing += 1
                        result.wrong_answers += 1
                        result.failures.append(
                            f"{path}: {before[0]} {str(before[1])[:300]} before the restore, "
                            f"{after[0]} {str(after[1])[:300]} after"
                        )
                # The restored outbox publishes what was left, then a new write's events.
                resumed = published_count(target.manage("outbox", "publish", **bus))
                status, body = target.webs[0].request(
                    "PATCH",
                    f"/api/v1/assets/{load.probes.renamed}/",
                    target.steward,
                    {"name": "Renamed after the restore"},
                )
                result.count(status)
                result.check(status == 200, f"a write after the restore: {status} {body}")
                continued = published_count(target.manage("outbox", "publish", **bus))
                events = target.database.query(
                    "SELECT event_id::text, sequence, stream_sequence, status "
                    "FROM registry_outboxevent ORDER BY sequence"
                )
        messages = stream_messages(bus)
    finally:
        delete_stream(bus)

    on_stream = [m["Nats-Msg-Id"] for m in messages]
    event_ids = [event_id for event_id, *_ in events]
    lost_events = set(source_events) - set(event_ids)
    result.events_written = len(event_ids) + len(lost_events)
    result.events_delivered = len(set(on_stream) & (set(event_ids) | lost_events))
    # Events the restored registry sent that were on the stream already (JetStream's
    # Nats-Msg-Id deduplication would hide them there; the publisher's count does not).
    result.events_duplicated = len(on_stream) - len(set(on_stream)) + resumed
    result.events_missing = len((set(event_ids) | lost_events) - set(on_stream))
    result.check(
        after_dump >= unpublished_at_dump + 3,
        f"the source published {after_dump} events after the dump, {unpublished_at_dump} "
        "were unpublished at it and the lost writes made 3 or more",
    )
    result.check(resumed == 0, f"the restored outbox sent {resumed} events again")
    result.check(continued > 0, "a write after the restore published no event")
    result.check(not result.events_missing, f"{result.events_missing} events never published")
    result.check(
        len(on_stream) == len(set(on_stream)) == len(event_ids) + len(lost_events),
        f"{len(on_stream)} messages on the stream for {len(event_ids)} events and "
        f"{len(lost_events)} lost ones",
    )
    sequences = [int(m["Cqc-Sequence"]) for m in messages]
    numbered = {m["Nats-Msg-Id"]: int(m["Cqc-Sequence"]) for m in messages}
    result.check(
        sequences == sorted(set(sequences))
        and all(numbered.get(event_id) == sequence for event_id, sequence, *_ in events),
        "the stream's sequence is not the outbox's, in order, each number once",
    )
    lost_high_water = max((source_events[e] for e in lost_events), default=0)
    new_numbers = [sequence for _, sequence, *_ in events[-continued:]]
    result.check(
        bool(lost_events) and min(new_numbers) > lost_high_water,
        f"the new write's events are numbered {new_numbers}, the lost writes' up to "
        f"{lost_high_water} ({len(lost_events)} lost events)",
    )
    result.check(
        all(row[3] == "PUBLISHED" for row in events), "events left unpublished after the drill"
    )
    result.notes.append(
        f"{compared} lookups compared, {differing} differ; outbox: {first_published} published "
        f"before the dump, {unpublished_at_dump} unpublished at it, {after_dump} published "
        f"after it ({len(lost_events)} of lost writes, up to number {lost_high_water}), "
        f"{resumed} sent again by the restored registry, then {continued} of a new write "
        f"numbered {new_numbers[0]} on"
    )
    return result


SCENARIOS = [
    ("postgres_restarted", postgres_restarted),
    ("restore_drill", restore_drill),
]
