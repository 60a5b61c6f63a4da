import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from benchmarks.datasets import default_datasets_root
from benchmarks.quality import average_precision_at_k
from gallery.models import Photo

FLOWERS = default_datasets_root() / "flowers5"


def test_average_precision_at_k():
    assert average_precision_at_k([True, False, True], total_relevant=2, k=3) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision_at_k([False] * 10, total_relevant=5) == 0
    assert average_precision_at_k([True] * 10, total_relevant=50) == 1


@pytest.mark.skipif(not FLOWERS.is_dir(), reason=f"{FLOWERS} is absent")
def test_evaluate_prints_the_metrics_and_cleans_up(db, offline_model, capsys):
    # Few photos: the numbers are the benchmark's business (`manage.py evaluate`), this is its shape.
    call_command("evaluate", str(FLOWERS), "--split", "test", "--per-class", "4", "--text-photos", "6")
    out = capsys.readouterr().out
    for line in ("photos: 20 in 5 classes", "find-similar precision@10:", "find-similar mAP@10:",
                 "text-to-image precision@10:", "time:", "text in photos: 6 photos", "search P@1 mode=text"):
        assert line in out
    assert not Photo.objects.exists() and not get_user_model().objects.filter(username__startswith="evaluate-").exists()


def test_evaluate_refuses_a_missing_folder(db):
    with pytest.raises(CommandError, match="not a folder"):
        call_command("evaluate", "/nowhere")
