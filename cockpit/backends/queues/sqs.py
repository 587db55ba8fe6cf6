"""Amazon SQS: `GetQueueAttributes` per queue per tick (SQS has no call that reads several
queues), run off the event loop in threads with boto3. depth = ApproximateNumberOfMessages,
in flight = …NotVisible, scheduled = …Delayed. SQS reports no failed count (a dead-letter
queue is another queue: configure it as one) and no oldest-message age (that is CloudWatch's
ApproximateAgeOfOldestMessage), so those are unknown, not zero.

SQS has no pause. When the queue's consumer is a Lambda function, the cockpit pauses by
disabling its event-source mapping (`event_source_mapping = "<UUID>"`), and reads the
mapping's state as "paused"; otherwise the preview says there is none: stop the consumers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Channel, QueueKind, QueueState, Sent, as_reading
from cockpit.core.readings import QUEUES, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]
#: Error codes that mean the credentials themselves are wrong (every queue would fail alike).
CREDENTIAL_ERRORS = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "AuthFailure",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "MissingAuthenticationToken",
}


@dataclass(frozen=True)
class SqsServer:
    region: str
    endpoint_url: str | None
    access_key_id_env: str | None
    secret_access_key_env: str | None
    session_token_env: str | None

    def secret_envs(self) -> tuple[str, ...]:
        return tuple(n for n in (self.secret_access_key_env, self.session_token_env) if n)


@dataclass(frozen=True)
class SqsOptions:
    queue_url: str | None
    event_source_mapping: str | None


class SqsSource:
    """Every configured queue of one SQS endpoint/region."""

    kind = QUEUES
    channel = "sqs"

    def __init__(self, server: Any, queues: Sequence[Any], environ: dict[str, str], clock: Clock = wall_clock) -> None:
        self.server = server
        self.options: SqsServer = server.options
        self.queues = list(queues)
        self.ident = f"queues@{server.name}"
        self.interval, self.timeout = server.interval, server.timeout
        self.environ = environ
        self.clock = clock
        self._clients: dict[str, Any] = {}
        self._urls: dict[str, str] = {}
        self.calls = 0  # counted for the benchmark

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.queues]

    def client(self, service: str) -> Any:
        """A boto3 client (thread-safe once built); built in the calling thread."""
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            keys: dict[str, str] = {}
            for arg, env_name, key in (
                ("aws_access_key_id", self.options.access_key_id_env, "access_key_id_env"),
                ("aws_secret_access_key", self.options.secret_access_key_env, "secret_access_key_env"),
                ("aws_session_token", self.options.session_token_env, "session_token_env"),
            ):
                if env_name:
                    value = self.environ.get(env_name)
                    if not value:
                        raise ReadError(f"environment variable {env_name} (sqs.{self.server.name}.{key}) is not set")
                    keys[arg] = value
            config = Config(
                connect_timeout=self.timeout, read_timeout=self.timeout, retries={"max_attempts": 1, "mode": "standard"}
            )
            options: dict[str, Any] = {
                "region_name": self.options.region,
                "endpoint_url": self.options.endpoint_url,
                "config": config,
                **keys,
            }
            session = boto3.session.Session()
            # Each service named as a literal: the stubs type each client (no ignore needed).
            if service == "sqs":
                self._clients[service] = session.client("sqs", **options)
            else:
                self._clients[service] = session.client("lambda", **options)
        return self._clients[service]

    async def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def _url(self, queue: Any) -> str:
        if queue.options.queue_url:
            return str(queue.options.queue_url)
        name = queue.queue or queue.name
        if name not in self._urls:
            self._urls[name] = self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
            self.calls += 1
        return self._urls[name]

    def _read_one(self, queue: Any) -> QueueState | str:
        """One queue, in a worker thread: its attributes (and its mapping's state)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.calls += 1
            attributes = self.client("sqs").get_queue_attributes(QueueUrl=self._url(queue), AttributeNames=ATTRIBUTES)[
                "Attributes"
            ]
            paused = None
            if queue.options.event_source_mapping:
                self.calls += 1
                mapping = self.client("lambda").get_event_source_mapping(UUID=queue.options.event_source_mapping)
                paused = mapping.get("State") in ("Disabled", "Disabling")
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code not in CREDENTIAL_ERRORS:  # an error body botocore could not parse: find the code in it
                code = next((c for c in CREDENTIAL_ERRORS if c in str(error.get("Message", ""))), code)
            if code in CREDENTIAL_ERRORS:
                raise ReadError(f"AWS refused the credentials of sqs.{self.server.name} ({code})") from None
            if "NonExistentQueue" in code or code == "QueueDoesNotExist":
                return f"no SQS queue {queue.queue or queue.name!r} in {self.options.region}"
            return f"SQS: {code}: {str(error.get('Message', ''))[:120]}"
        except BotoCoreError as exc:
            raise ReadError(f"SQS endpoint of sqs.{self.server.name} unreachable: {exc}") from None
        return QueueState(
            depth=int(attributes.get("ApproximateNumberOfMessages", 0)),
            in_flight=int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            scheduled=int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
            paused=paused,
        )

    async def read(self) -> list[Reading]:
        await asyncio.to_thread(self.client, "sqs")  # credentials first: one clear error, not one per queue
        if any(q.options.event_source_mapping for q in self.queues):
            await asyncio.to_thread(self.client, "lambda")  # built once, not raced by the threads
        results = await asyncio.gather(*(asyncio.to_thread(self._read_one, q) for q in self.queues))
        now = self.clock()
        return [
            as_reading(
                q, q.name, self.server.name, None if isinstance(r, str) else r, r if isinstance(r, str) else None, now
            )
            for q, r in zip(self.queues, results, strict=True)
        ]

    async def set_mapping(self, queue: Any, enabled: bool) -> str:
        def update() -> str:
            answer = self.client("lambda").update_event_source_mapping(
                UUID=queue.options.event_source_mapping, Enabled=enabled
            )
            return str(answer.get("State", "?"))

        return await asyncio.to_thread(update)


@dataclass(frozen=True)
class SqsChannel:
    name: str = "sqs"
    section: str = "sqs"
    server_key: str = "sqs"

    def read_server(self, t: Any) -> SqsServer:
        return SqsServer(
            region=t.str("region", required=True),
            endpoint_url=t.url("endpoint_url"),
            access_key_id_env=t.env_name("access_key_id_env"),
            secret_access_key_env=t.env_name("secret_access_key_env"),
            session_token_env=t.env_name("session_token_env"),
        )

    def source(self, server: Any, queues: Sequence[Any], environ: dict[str, str]) -> SqsSource:
        return SqsSource(server, queues, environ)


@dataclass(frozen=True)
class SqsKind:
    name: str = "sqs"
    channel: str = "sqs"
    keys: tuple[str, ...] = ("queue_url", "event_source_mapping")
    discovers: bool = False
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> SqsOptions:
        return SqsOptions(queue_url=t.url("queue_url"), event_source_mapping=t.str("event_source_mapping"))

    def pause_scope(self, queue: Any) -> str:
        if queue.options.event_source_mapping:
            return (
                f"disables Lambda event-source mapping {queue.options.event_source_mapping}: the function stops "
                "receiving from this queue (messages stay in SQS; durable until re-enabled)"
            )
        return (
            "SQS has no pause and no event_source_mapping is configured: stop or scale down the consumers "
            "(the cockpit can only watch this queue)"
        )

    async def set_paused(self, source: SqsSource, queue: Any, paused: bool) -> Sent:
        if not queue.options.event_source_mapping:
            raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")
        state = await source.set_mapping(queue, not paused)
        mapping = queue.options.event_source_mapping
        return Sent(
            f"event-source mapping {mapping}: {'disabled' if paused else 'enabled'} ({state})",
            self.describe_set_paused(queue, source.server, paused),
        )

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        mapping = queue.options.event_source_mapping
        if not mapping:
            raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")
        return (f"aws lambda update-event-source-mapping --uuid {mapping} --{'no-' if paused else ''}enabled",)


CHANNEL: Channel = SqsChannel()
KIND: QueueKind = SqsKind()
