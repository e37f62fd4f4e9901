"""Redis away under load (docs/RELIABILITY.md, "The cache"): stopped, frozen, blipped.

Two web instances and the gRPC server share a redis-server of the scenario's own while
the load runs. Redis
is broken for a while and comes back; throughout, no answer is a 5xx (lookups fall back
to PostgreSQL, writes fence the cache), the counterfeit USDC is never tradeable, and no
read after an acknowledged write, from either instance, shows the old value. The
recovery time is from Redis's return until both instances answer from Redis again.
"""

import time
from collections.abc import Callable

from tests.reliability.report import ScenarioResult
from tests.reliability.stack import Load, OwnRedis, Stack, describe

STEADY_SECONDS = 3  # of load before the fault and after the recovery
QUICK_STEADY_SECONDS = 1.5


def _stop(redis: OwnRedis) -> None:
    redis.stop()


def _restart(redis: OwnRedis) -> None:
    redis.start()  # empty, on the same port


def _freeze(redis: OwnRedis) -> None:
    redis.freeze()


def _thaw(redis: OwnRedis) -> None:
    redis.thaw()


def redis_fault(
    name: str,
    what: str,
    fault: Callable[[OwnRedis], None],
    repair: Callable[[OwnRedis], None],
    seconds: float,
    quick_seconds: float,
):
    def run(quick: bool) -> ScenarioResult:
        result = ScenarioResult(name)
        outage = quick_seconds if quick else seconds
        with Stack(name, webs=2, grpc=True, workers_per_web=1 if quick else 2) as stack:
            with Load(stack, readers=1 if quick else 2, write_pause=0.3 if quick else 0.1) as load:
                steady = QUICK_STEADY_SECONDS if quick else STEADY_SECONDS
                time.sleep(steady)
                broken_at = time.monotonic()
                fault(stack.redis)
                load.create_now()  # a write inside the window, however short
                time.sleep(outage)
                repair(stack.redis)
                back_at = time.monotonic()
                result.recovery_seconds = stack.cache_recovery_seconds(back_at)
                time.sleep(steady)
            load.record(result)
            during = load.between(broken_at, back_at)
            failed = [a for a in load.answers if not a.good]
            result.check(
                not failed,
                f"{len(failed)} answers 5xx or none, e.g. {describe(failed)}\n"
                + stack.logs()[-2000:],
            )
            writes_during = load.writes(during)
            refused = [a for a in writes_during if a.status not in (200, 201)]
            result.check(not refused, f"writes refused while Redis was {what}: {describe(refused)}")
            result.check(bool(writes_during), f"no write was sent while Redis was {what}")
            # A short fault may stall the one reader for its whole length (the client's
            # Redis timeout): the pre-trade checks of the fault are those asked during it
            # or in the seconds after, while the instances still read around Redis.
            around = load.between(broken_at, back_at + PRETRADE_GRACE_SECONDS)
            result.check(
                any(a.kind == "pretrade" and a.status == 200 for a in around),
                f"no pre-trade check was answered while Redis was {what}",
            )
            result.notes.append(
                f"Redis {what} {outage:.0f} s: {len(during)} requests during it "
                f"({len(writes_during)} writes); p50/p99 {load.latencies(during)} during, "
                f"{load.latencies(load.between(0, broken_at))} before"
            )
        return result

    return name, run


PRETRADE_GRACE_SECONDS = 3

SCENARIOS = [
    redis_fault("redis_stopped", "stopped", _stop, _restart, seconds=10, quick_seconds=4),
    redis_fault("redis_frozen", "frozen", _freeze, _thaw, seconds=10, quick_seconds=4),
    redis_fault("redis_blipped", "blipped", _stop, _restart, seconds=2, quick_seconds=2),
]
