"""Scale-out over Redis, as in production: one `celery beat`, and two prefork workers on
different queue sets (A: ingest; B: ingest, maintenance, reindex). A is killed (its whole process
group, kill -9) in the middle of a batch; B finishes: the sweep hands A's claimed photos back
after PROCESSING_REQUEUE_AFTER_SECONDS, and Redis hands A's unacknowledged task message to B
after the visibility timeout (shortened here to 15 s). No photo is lost, none processed twice.
Meanwhile the beat's gallery-index sync gives the gallery (over SEARCH_GALLERY_INDEX_MIN_PHOTOS,
lowered here) its own HNSW index, built concurrently beside the workers' writes.

Tasks are bounded here as in production, only smaller: each stops after TASK_MAX_BATCHES batches
(or TASK_BUDGET_SECONDS) and queues its continuation, so both workers share one upload.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db.models import Count

from gallery.models import Photo
from imagesearch import healthcheck
from search import vectors
from search.models import PhotoEmbedding, PhotoTag
from tests import images, workers

COUNT = int(os.environ.get("SCALE_OUT_PHOTOS", "300"))  # the 500: SCALE_OUT_PHOTOS=500
BATCH = 8
VISIBILITY_TIMEOUT = 15
REQUEUE_AFTER = 6

SETTINGS_MODULE = f"""
from imagesearch.settings.test import *  # noqa: F401,F403
from imagesearch.settings.test import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, LOGGING

# The sweep every 2 s; kombu looks for unacknowledged messages past the visibility timeout every second.
# Each look holds a Redis mutex that outlives a killed holder by `unacked_mutex_expire` (300 s by
# default): looking every second, A is often killed holding it, and B could not restore A's message
# within the wait below (nor could the next run). 5 s is ample for a look that takes milliseconds.
CELERY_BEAT_SCHEDULE = {{name: {{**entry, "schedule": 2.0}} for name, entry in CELERY_BEAT_SCHEDULE.items()}}
CELERY_BROKER_TRANSPORT_OPTIONS = {{**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": {VISIBILITY_TIMEOUT},
                                   "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
                                   "unacked_mutex_expire": 5}}
# Which photos each worker claimed ("claimed photos [...]"), to kill A while it holds some.
LOGGING["loggers"]["gallery.services.processing"] = {{"level": "DEBUG"}}
"""


class Process:
    """A subprocess in a process group of its own (a prefork worker is a parent and its child),
    its output drained in a thread."""

    def __init__(self, argv: list[str], env: dict) -> None:
        self.popen = subprocess.Popen(argv, cwd=workers.PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def kill(self) -> None:
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()  # the parent only: Celery's warm shutdown stops its child
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._reader.join(timeout=5)


def _task_ids(log: str, event: str) -> set[str]:
    return set(re.findall(r"gallery\.tasks\.process_pending_photos\[([0-9a-f-]+)\] " + event, log))


def _claimed(log: str) -> list[list[int]]:
    return [[int(pk) for pk in found.split(",") if pk.strip()] for found in re.findall(r"claimed photos \[([\d, ]*)\]", log)]


def statuses() -> dict[str, int]:
    return dict(Photo.objects.values_list("status").annotate(n=Count("id")))


@pytest.mark.worker
@pytest.mark.timeout(240, func_only=True)
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_work_and_one_finishes_what_a_killed_one_held(api_client, vocabulary, tmp_path):
    url = workers.redis_url_or_skip(database=10)
    client = redis.Redis.from_url(url)
    client.delete(*[queue.name for queue in settings.CELERY_TASK_QUEUES])
    folder = Path(tempfile.mkdtemp(prefix="imagesearch-scale-out-", dir=tmp_path))
    (folder / "scale_out_settings.py").write_text(SETTINGS_MODULE)
    env = workers.worker_env(broker_url=url, extra_env={
        "DJANGO_SETTINGS_MODULE": "scale_out_settings", "PYTHONPATH": str(folder),
        "CLIP_BATCH_SIZE": str(BATCH), "TASK_MAX_BATCHES": "3", "TASK_BUDGET_SECONDS": "3",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "CELERY_TASK_TIME_LIMIT": "12",
        "CELERY_TASK_SOFT_TIME_LIMIT": "9", "PROCESSING_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER),
        "PROCESSING_DECODE_THREADS": "0", "SEARCH_GALLERY_INDEX_MIN_PHOTOS": str(COUNT // 2),
    })
    prefix = settings.CELERY_QUEUE_PREFIX

    def worker(name: str, queues: list[str]) -> Process:
        return Process([sys.executable, "-m", "celery", "-A", "imagesearch", "worker", "--pool", "prefork",
                        "--concurrency", "1", "--queues", ",".join(prefix + queue for queue in queues),
                        "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                        "--hostname", f"{name}-{os.getpid()}@%h"],
                       {**env, "WORKER_HEARTBEAT_FILE": str(folder / f"{name}.heartbeat"),
                        "WORKER_HEARTBEAT_INTERVAL": "1"})

    # Uploads first (the messages wait in Redis), as photos arrive before workers scale out.
    with workers.broker(url, {"visibility_timeout": VISIBILITY_TIMEOUT}):
        ids = []
        for start in range(0, COUNT, 100):
            files = [images.upload(images.jpeg(96, 72, seed=50_000 + i), f"s{i}.jpg")
                     for i in range(start, min(COUNT, start + 100))]
            response = api_client.post("/api/v1/photos/", {"files": files}, format="multipart")
            assert response.status_code == 201, response.content
            ids += [row["photo"]["id"] for row in response.json()]
    assert len(ids) == COUNT and statuses() == {"pending": COUNT}
    assert client.llen(f"{prefix}ingest") == -(-COUNT // 100)

    beat = Process([sys.executable, "-m", "celery", "-A", "imagesearch", "beat", "--loglevel", "INFO",
                    "--schedule", str(folder / "celerybeat-schedule")], env)
    a = worker("a", ["ingest"])
    b = worker("b", ["ingest", "maintenance", "reindex"])
    try:
        # Kill A while it holds claimed photos, after both workers have finished some.
        def a_mid_batch() -> bool:
            claims = _claimed(a.log)
            return (len(_task_ids(a.log, "succeeded")) >= 1 and len(_task_ids(b.log, "succeeded")) >= 1
                    and bool(_task_ids(a.log, "received") - _task_ids(a.log, "succeeded")) and bool(claims)
                    and Photo.objects.filter(id__in=claims[-1], status="processing").exists())

        assert workers.wait_for(a_mid_batch, timeout=120, interval=0.01), f"{statuses()}\n{a.log[-3000:]}"
        assert healthcheck.main([str(folder / "a.heartbeat"), "--max-age", "10"]) == 0  # alive: healthy
        a.kill()
        at_kill = {photo.pk: photo for photo in Photo.objects.all()}
        processing = {pk for pk, photo in at_kill.items() if photo.status == "processing"}
        held = processing & {pk for claim in _claimed(a.log) for pk in claim}  # A's, not B's
        done = {pk for pk, photo in at_kill.items() if photo.status == "ready"}
        orphaned = _task_ids(a.log, "received") - _task_ids(a.log, "succeeded")
        assert held and done and orphaned

        finished = workers.wait_for(lambda: statuses() == {"ready": COUNT}, timeout=120)
        assert finished, f"{statuses()}\n{b.log[-3000:]}"
        # Redis gave A's unacknowledged message to B once the visibility timeout had passed.
        assert workers.wait_for(lambda: orphaned <= _task_ids(b.log, "received"), timeout=VISIBILITY_TIMEOUT + 30), (
            orphaned, b.log[-3000:])
        assert workers.wait_for(lambda: orphaned <= _task_ids(b.log, "succeeded"), timeout=60), b.log[-3000:]
        assert healthcheck.main([str(folder / "b.heartbeat"), "--max-age", "10"]) == 0
        # The beat's gallery-index sync (on B's maintenance queue) gave the gallery its own index.
        owner_id = Photo.objects.values_list("owner_id", flat=True).first()
        model_id = PhotoEmbedding.objects.values_list("model_id", flat=True).first()

        def own_index_built() -> bool:
            vectors._sizes.clear()
            return vectors.gallery_index_keys().get((model_id, owner_id)) is True

        assert workers.wait_for(own_index_built, timeout=60), b.log[-3000:]
    finally:
        for process in (a, b, beat):
            process.stop()
    assert "Traceback" not in b.log, b.log[-5000:]
    vectors.gallery_index_drop(model_id=model_id, owner_id=owner_id)  # outlives the test's rows otherwise

    after = {photo.pk: photo for photo in Photo.objects.all()}
    # None lost: every photo ready with exactly one vector.
    assert PhotoEmbedding.objects.filter(photo_id__in=ids).count() == COUNT
    assert PhotoEmbedding.objects.values("photo_id").distinct().count() == COUNT
    # None processed twice: photos finished before the kill were not touched again; only photos
    # A held were claimed a second time (at most the batch it embedded and the one it had claimed
    # next), everything else exactly once.
    for pk in done:
        assert (after[pk].processed_at, after[pk].thumbnail.name, after[pk].attempts) == (
            at_kill[pk].processed_at, at_kill[pk].thumbnail.name, 1)
    again = {pk for pk, photo in after.items() if photo.attempts == 2}
    assert again == held  # B finished its own in-flight photos at their first attempt
    assert len(held) <= 2 * BATCH  # the batch A embedded and the one it had claimed next, at most
    assert {photo.attempts for photo in after.values()} <= {1, 2}
    # Both workers did a share of it.
    assert _task_ids(a.log, "succeeded") and len(_task_ids(b.log, "succeeded")) > len(orphaned)
    assert PhotoTag.objects.filter(photo_id__in=ids).exists()  # tagged as in production
