"""SQS queues against moto_server (SQS and Lambda APIs): figures equal what boto3's own
GetQueueAttributes reports, the pause disables a real event-source mapping, a queue without
one says it has no pause, and wrong credentials / an unreachable endpoint are named."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads
from cockpit.core.polling import Poller
from cockpit.core.readings import QUEUES, Board, Freshness
from cockpit.core.session import Session
from cockpit.core.timebase import Timebase
from cockpit.incident.journal import Journal, Operator
from cockpit.wiring import build_live
from tests.servers import MotoServer

pytestmark = pytest.mark.servers
ENV = {"AWS_KEY": "testing", "AWS_SECRET": "testing"}


def sqs_config(url: str, queues: str, extra: str = "") -> str:
    return f'''
[incident]
title = "t"
service = "s"
[sqs.main]
region = "eu-west-1"
endpoint_url = "{url}"
access_key_id_env = "AWS_KEY"
secret_access_key_env = "AWS_SECRET"
timeout = "10s"
{extra}
{queues}
'''


def queue(name: str, extra: str = "") -> str:
    return f'[[queues]]\nname = "{name}"\nkind = "sqs"\nsqs = "main"\nqueue = "{name}"\n{extra}\n'


def lambda_consumer(moto: MotoServer, queue_url: str) -> str:
    """A Lambda function consuming the queue through an event-source mapping; returns its UUID."""
    role = moto.client("iam").create_role(RoleName="consumer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return None\n")
    aws = moto.client("lambda")
    aws.create_function(
        FunctionName="receipts",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": code.getvalue()},
    )
    arn = moto.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return aws.create_event_source_mapping(EventSourceArn=arn, FunctionName="receipts", Enabled=True)["UUID"]


async def test_figures_equal_get_queue_attributes_and_the_mapping_pause(
    moto_server: MotoServer, tmp_path: Path
) -> None:
    sqs = moto_server.client("sqs")
    orders = sqs.create_queue(QueueName="orders")["QueueUrl"]
    refunds = sqs.create_queue(QueueName="refunds")["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=orders, MessageBody=f"order {i}")
    sqs.send_message(QueueUrl=orders, MessageBody="later", DelaySeconds=300)
    sqs.receive_message(QueueUrl=orders, MaxNumberOfMessages=2, VisibilityTimeout=600)  # two in flight
    sqs.send_message(QueueUrl=refunds, MessageBody="r")
    mapping = lambda_consumer(moto_server, orders)
    text = sqs_config(
        moto_server.url,
        queue("orders", f'risky = true\nevent_source_mapping = "{mapping}"') + queue("refunds") + queue("missing"),
    )
    [source] = build_queue_sources(loads(text), ENV)
    try:
        got = {r.name: r for r in await source.read()}
    finally:
        await source.close()
    own = sqs.get_queue_attributes(QueueUrl=orders, AttributeNames=["All"])["Attributes"]
    o = got["orders"]
    assert o.value == int(own["ApproximateNumberOfMessages"]) == 3
    assert o.detail.state.in_flight == int(own["ApproximateNumberOfMessagesNotVisible"]) == 2
    assert o.detail.state.scheduled == int(own["ApproximateNumberOfMessagesDelayed"]) == 1
    assert o.detail.state.failed is None and o.detail.state.oldest_age is None  # SQS cannot tell: unknown, not 0
    assert o.detail.state.paused is False and got["refunds"].value == 1 and got["refunds"].detail.state.paused is None
    assert got["missing"].error == "no SQS queue 'missing' in eu-west-1" and o.error is None

    session = Session(build_live(loads(text), ENV), Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview):
        return preview

    try:
        preview = await session.actions["pause_risky"].preview()
        assert any(f"disables Lambda event-source mapping {mapping}" in w for w in preview.warnings)
        outcome = await session.run_action("pause_risky", yes)
        assert outcome.status == "done", outcome.message
        assert moto_server.client("lambda").get_event_source_mapping(UUID=mapping)["State"] == "Disabled"
        resume = session.backends.targeted("resume_queue", "orders")
        session.actions[resume.name] = resume
        assert (await session.run_action(resume.name, yes)).status == "done"
        assert moto_server.client("lambda").get_event_source_mapping(UUID=mapping)["State"] == "Enabled"
        # A queue without a mapping: the preview says there is no pause and what to do instead.
        refund_pause = session.backends.targeted("pause_queue", "refunds")
        preview = await refund_pause.preview()
        assert any("SQS has no pause" in w and "stop or scale down the consumers" in w for w in preview.warnings)
        session.actions[refund_pause.name] = refund_pause
        outcome = await session.run_action(refund_pause.name, yes)
        assert outcome.status != "done" and "SQS has no pause" in outcome.message
    finally:
        await session.backends.close()


async def test_wrong_credentials_and_an_unreachable_endpoint_are_named(redis_url: str) -> None:
    import redis

    moto = MotoServer(auth=True).start()  # this one checks signatures
    try:
        moto.client("sqs").create_queue(QueueName="orders")
        redis.Redis.from_url(redis_url).rpush("legacy", "a")
        text = sqs_config(
            moto.url,
            queue("orders"),
            extra=f'''
[sqs.down]
region = "eu-west-1"
endpoint_url = "http://127.0.0.1:9"
timeout = "5s"  # building a boto3 client alone can take a second on a busy machine
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "elsewhere"
kind = "sqs"
sqs = "down"
[[queues]]
name = "legacy"
kind = "list"
redis = "jobs"
''',
        )
        board = Board()
        env = {
            "AWS_KEY": moto.credentials["aws_access_key_id"],
            "AWS_SECRET": "not-the-secret",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "y",
        }
        sources = build_queue_sources(loads(text), env)
        try:
            for source in sources:
                await Poller(source, board, Timebase()).tick()
            slots = dict(board.slots(QUEUES))
            assert board.freshness(QUEUES, "orders") is Freshness.UNREACHABLE
            assert "AWS refused the credentials of sqs.main (SignatureDoesNotMatch)" in slots["orders"].latest.error
            assert board.freshness(QUEUES, "elsewhere") is Freshness.UNREACHABLE
            assert "SQS endpoint of sqs.down unreachable" in slots["elsewhere"].latest.error
            assert board.freshness(QUEUES, "legacy") is Freshness.OK and board.value(QUEUES, "legacy") == 1.0
        finally:
            for source in sources:
                await source.close()
    finally:
        moto.stop()
