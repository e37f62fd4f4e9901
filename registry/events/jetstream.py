"""Publishing outbox rows to NATS JetStream.

One connection per process, on a private event loop that the synchronous publisher
drives (Celery tasks are synchronous). The stream is created when missing, with a
duplicate window long enough that a republished event (its ack was lost, or the
worker died before marking it) is dropped by its ``Nats-Msg-Id``.
"""

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass

import nats
import orjson
from django.conf import settings
from nats.errors import MaxPayloadError
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from registry.events.types import subject_filters
from registry.models import OutboxEvent

logger = logging.getLogger(__name__)

PROTOBUF_CONTENT_TYPE = "application/protobuf"
JSON_CONTENT_TYPE = "application/json"


class PublishRefused(Exception):
    """The bus will never take this message as it is (larger than its max payload)."""


@dataclass(frozen=True)
class StreamEvent:
    """An outbox event as the stream holds it: its Cqc-Sequence, Nats-Msg-Id (the event
    id) and the stream's own sequence of the message."""

    sequence: int
    event_id: str
    stream_sequence: int


# How far back the restore check reads the stream at most (one get per message).
STREAM_TAIL_LIMIT = 1_000_000


def encode(row: OutboxEvent) -> tuple[bytes, dict[str, str]]:
    """The message body and headers of an outbox row, in the configured encoding."""
    headers = {
        "Nats-Msg-Id": str(row.event_id),
        "Cqc-Event-Type": row.event_type,
        "Cqc-Message-Type": row.message_type,
        "Cqc-Sequence": str(row.sequence),
    }
    if row.request_id:  # the request that made the change, to find its log lines
        headers["Cqar-Request-Id"] = row.request_id
    if settings.EVENTS_ENCODING == "json":
        headers["Content-Type"] = f"{JSON_CONTENT_TYPE}; proto={row.message_type}"
        return orjson.dumps(row.payload), headers
    headers["Content-Type"] = f"{PROTOBUF_CONTENT_TYPE}; proto={row.message_type}"
    return bytes(row.body), headers


def stream_config() -> StreamConfig:
    return StreamConfig(
        name=settings.EVENTS_STREAM,
        subjects=subject_filters(),
        storage=StorageType.FILE,
        duplicate_window=float(settings.EVENTS_DUPLICATE_WINDOW_SECONDS),
        max_age=float(settings.EVENTS_STREAM_MAX_AGE_DAYS * 86400),
    )


def wire_size(body: bytes, headers: dict[str, str]) -> int:
    """What NATS counts against its limits: the body and the header block."""
    block = len(b"NATS/1.0\r\n\r\n") + sum(
        len(key.encode()) + len(value.encode()) + 4 for key, value in headers.items()
    )
    return len(body) + block


def nats_servers(url: str | None = None) -> list[str]:
    """The NATS servers ``url`` (NATS_URL unless given) names: one, or several separated
    by commas, the servers of a cluster. The client connects to any that answers (in a
    random order, spreading the workers over the cluster) and skips those that do not."""
    url = settings.NATS_URL if url is None else url
    return [server.strip() for server in url.split(",") if server.strip()]


class JetStreamPublisher:
    def __init__(self, url: str, stream: str) -> None:
        self.url = url
        self.stream = stream
        self._loop = asyncio.new_event_loop()
        self._nc = None
        self._js = None
        self._max_size = 0

    def publish(self, rows: list[OutboxEvent]) -> list[int | Exception]:
        """Publish ``rows`` in order; per row its stream sequence, or the error."""
        return self._loop.run_until_complete(self._publish(rows))

    def tail(self, down_to: int | None) -> list[StreamEvent]:
        """The stream's events from the newest back: the newest carrying a Cqc-Sequence,
        and every one whose Cqc-Sequence is ``down_to`` or more (newest first)."""
        return self._loop.run_until_complete(self._tail(down_to))

    def close(self) -> None:
        self._loop.run_until_complete(self._close())

    async def _tail(self, down_to: int | None) -> list[StreamEvent]:
        try:
            await self._ensure_connection()
            state = (await self._js.stream_info(self.stream)).state
            events: list[StreamEvent] = []
            position = state.last_seq
            lowest = max(state.first_seq, 1, state.last_seq - STREAM_TAIL_LIMIT)
            while position >= lowest:
                try:
                    message = await self._js.get_msg(self.stream, position)
                except NotFoundError:  # deleted or expired in between
                    position -= 1
                    continue
                headers = message.headers or {}
                number = headers.get("Cqc-Sequence", "")
                if number.isdigit():  # a message of no outbox's is passed over
                    events.append(
                        StreamEvent(int(number), headers.get("Nats-Msg-Id", ""), position)
                    )
                    if down_to is None or int(number) <= down_to:
                        break
                position -= 1
            return events
        except Exception:
            await self._close()
            raise

    async def _close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):  # already broken; nothing to flush
                await nc.close()

    async def _connect(self) -> None:
        # No background reconnects: a broken connection fails this run, and the next
        # run (post-commit task or sweep) connects afresh.
        # (nats-py reads max_reconnect_attempts=0 as "forever", also for the first connect.)
        self._nc = await asyncio.wait_for(
            nats.connect(
                servers=nats_servers(self.url),
                connect_timeout=2,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.2,
                name=f"cqar-publisher-{os.getpid()}",
                error_cb=self._on_error,
            ),
            timeout=5,
        )
        self._js = self._nc.jetstream(timeout=settings.EVENTS_PUBLISH_TIMEOUT_SECONDS)
        stream_limit = (await ensure_stream(self._js)).max_msg_size or 0
        # The server's limit and the stream's, if it sets one (-1: none).
        self._max_size = min(
            self._nc.max_payload, stream_limit if stream_limit > 0 else self._nc.max_payload
        )

    async def _on_error(self, error: Exception) -> None:
        logger.warning("NATS connection error: %s", error)

    async def _ensure_connection(self) -> None:
        """Connect, or check that the connection still answers: between runs nothing
        drives this loop, so the server may have dropped it as stale unnoticed."""
        if self._nc is not None and not self._nc.is_closed:
            try:
                await self._nc.flush(timeout=1)
                return
            except Exception:
                await self._close()
        await self._connect()

    async def _publish(self, rows: list[OutboxEvent]) -> list[int | Exception]:
        try:
            await self._ensure_connection()
        except Exception as error:
            await self._close()
            return [error] * len(rows)
        sent: list[asyncio.Future] = []
        refused: dict[int, PublishRefused] = {}
        failed: Exception | None = None
        for index, row in enumerate(rows):
            try:
                body, headers = encode(row)
                subject = row.subject
                size = wire_size(body, {**headers, "Nats-Expected-Stream": self.stream})
                if size > self._max_size:
                    # The bus would drop the connection or never ack: refuse it here.
                    raise PublishRefused(
                        f"{size} bytes with headers, more than the max payload of "
                        f"{self._max_size} (server and stream limits)"
                    )
                sent.append(
                    await self._js.publish_async(subject, body, headers=headers, stream=self.stream)
                )
            except (PublishRefused, MaxPayloadError) as error:
                refused[index] = PublishRefused(str(error))
                sent.append(None)
            except Exception as error:  # stop here: nothing may overtake this row
                failed = error
                break
        # One deadline for the whole batch: a dead connection never completes its futures.
        pending = [future for future in sent if future is not None]
        if pending:
            await asyncio.wait(pending, timeout=settings.EVENTS_PUBLISH_TIMEOUT_SECONDS)
        results: list[int | Exception] = []
        broken = failed is not None
        for index, future in enumerate(sent):
            if future is None:
                results.append(refused[index])
            elif future.done() and not future.cancelled() and future.exception() is None:
                results.append(future.result().seq)
            else:
                broken = True
                error = future.exception() if future.done() and not future.cancelled() else None
                results.append(error or TimeoutError("no ack from JetStream in time"))
                if not future.done():
                    future.cancel()
        if failed is not None:
            results.append(failed)
        results.extend([failed or TimeoutError("not sent")] * (len(rows) - len(results)))
        if broken:
            await self._close()
        return results


async def ensure_stream(js) -> StreamConfig:
    """Create the stream if missing; widen its duplicate window if it is too short.
    Returns the stream's configuration."""
    wanted = stream_config()
    try:
        info = await js.stream_info(wanted.name)
    except NotFoundError:
        info = await js.add_stream(wanted)
        logger.info("Created JetStream stream %s for %s", wanted.name, wanted.subjects)
        return info.config
    config = info.config
    if (config.duplicate_window or 0) < wanted.duplicate_window or not set(wanted.subjects) <= set(
        config.subjects or []
    ):
        config.duplicate_window = max(config.duplicate_window or 0, wanted.duplicate_window)
        config.subjects = sorted(set(config.subjects or []) | set(wanted.subjects))
        await js.update_stream(config)
        logger.info("Updated JetStream stream %s: %s", wanted.name, config)
    return config


_publisher: JetStreamPublisher | None = None
_publisher_pid: int | None = None


def publisher() -> JetStreamPublisher:
    """This process's publisher (a forked worker child makes its own)."""
    global _publisher, _publisher_pid
    current = (settings.NATS_URL, settings.EVENTS_STREAM)
    if (
        _publisher is None
        or _publisher_pid != os.getpid()
        or (_publisher.url, _publisher.stream) != current
    ):
        if _publisher is not None and _publisher_pid == os.getpid():
            _publisher.close()
        _publisher = JetStreamPublisher(*current)
        _publisher_pid = os.getpid()
    return _publisher
