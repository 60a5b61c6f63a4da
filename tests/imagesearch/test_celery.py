"""Queues and bounds: every task has a queue of its own kind, and none outlives the broker's
visibility timeout."""

from django.conf import settings

from imagesearch.celery import app


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
    assert "ocr" not in routes.values()  # declared for the text-in-photos stage, nothing routed yet


def test_this_test_run_has_queues_of_its_own():
    # Concurrent runs on one Redis must not take each other's messages.
    assert settings.CELERY_QUEUE_PREFIX.startswith("imagesearch-")
    assert settings.CELERY_TASK_DEFAULT_QUEUE == f"{settings.CELERY_QUEUE_PREFIX}maintenance"


def test_time_limits_and_budget_sit_below_the_visibility_timeout():
    assert settings.TASK_BUDGET_SECONDS < app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < app.conf.broker_transport_options.get("visibility_timeout", 3600)
    assert settings.CELERY_VISIBILITY_TIMEOUT == 3600
