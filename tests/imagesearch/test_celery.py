"""Queues and bounds: every task has a queue of its own kind, and none outlives the broker's
visibility timeout."""

import pytest
import redis
from django.conf import settings

from imagesearch.celery import app
from tests import workers


def _ours() -> dict:
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_is_routed_to_a_declared_queue():
    declared = {queue.name for queue in settings.CELERY_TASK_QUEUES}
    assert {f"{settings.CELERY_QUEUE_PREFIX}{name}" for name in settings.QUEUE_NAMES} == declared
    for name in _ours():
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in declared, name
    routes = {name: route["queue"].removeprefix(settings.CELERY_QUEUE_PREFIX)
              for name, route in settings.CELERY_TASK_ROUTES.items()}
    assert routes["gallery.tasks.process_pending_photos"] == "ingest"
    assert routes["search.tasks.reindex_photos"] == "reindex"
    assert routes["gallery.tasks.sweep_unprocessed_photos"] == "maintenance"
    assert routes["search.tasks.encode_query_texts"] == routes["search.tasks.encode_query_image"] == "query"
    assert routes["search.tasks.read_photo_text"] == "ocr"  # the text-in-photos stage


def test_this_test_run_has_queues_of_its_own():
    # Concurrent runs on one Redis must not take each other's messages.
    assert settings.CELERY_QUEUE_PREFIX.startswith("imagesearch-")
    assert settings.CELERY_TASK_DEFAULT_QUEUE == f"{settings.CELERY_QUEUE_PREFIX}maintenance"


def test_time_limits_and_budget_sit_below_the_visibility_timeout():
    assert settings.TASK_BUDGET_SECONDS < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < app.conf.broker_transport_options.get("visibility_timeout", 3600)
    assert settings.CELERY_VISIBILITY_TIMEOUT == 3600


@pytest.mark.worker
def test_a_message_lands_in_its_own_queue_only():
    """On Redis, each routed task's message is in its queue and no other (queues that share a
    routing key would each get a copy: a worker on any of them would run it, and a queue nobody
    consumes, like ocr, would grow forever)."""
    url = workers.redis_url_or_skip(database=11)
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        with workers.broker(url):
            with app.connection_for_write() as connection:  # as a worker on every queue declares them
                for queue in app.amqp.queues.values():
                    queue(connection.default_channel).declare()
            for task, route in settings.CELERY_TASK_ROUTES.items():
                app.send_task(task, expires=60)
                lengths = {queue.name: client.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES}
                assert lengths == {queue.name: int(queue.name == route["queue"]) for queue in settings.CELERY_TASK_QUEUES}, task
                client.delete(route["queue"])
    finally:
        client.flushdb()
