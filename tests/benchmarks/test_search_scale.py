import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from benchmarks import search_scale
from gallery.models import Photo
from search import vectors
from search.models import EmbeddingModel, PhotoEmbedding


def test_a_spread_is_read_as_galleries_times_photos_and_nonsense_is_refused():
    assert search_scale.parse_spread("1x300000,3x100000") == ((1, 300_000), (3, 100_000))
    for nonsense in ("", "3", "0x100", "2x1", "ax100"):
        with pytest.raises(ValueError, match="spread"):
            search_scale.parse_spread(nonsense)


def test_a_gallery_draws_on_a_few_shared_themes():
    centres = search_scale.themes()
    matrix = search_scale.gallery_vectors(size=400, seed=1, centres=centres).astype(np.float32)
    assert matrix.shape == (400, search_scale.DIMS)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-2)
    nearest_theme = (matrix @ centres.T).argmax(axis=1)
    assert len(set(nearest_theme.tolist())) == 10  # 400 // 40 themes, not one per photo
    again = search_scale.gallery_vectors(size=400, seed=1, centres=centres).astype(np.float32)
    assert np.array_equal(matrix, again)  # rebuilt from its seed for the exact answers


@pytest.mark.django_db
def test_the_scale_run_loads_measures_and_reports_every_class_then_tears_down(settings):
    settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS = 1000  # the 1,200-photo gallery gets its own index
    out = io.StringIO()
    call_command("benchmark_search", "--scale", "--spread", "1x1200,2x150,3x40", "--queries", "8",
                 stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    model = EmbeddingModel.objects.get(key=search_scale.MODEL_KEY)
    assert PhotoEmbedding.objects.filter(model=model).count() == 1200 + 300 + 120
    # batches of a gallery are interleaved with other galleries' uploads
    owners = list(Photo.objects.filter(owner__username__startswith="benchmark-scale-").order_by("id")
                  .values_list("owner_id", flat=True))
    assert sum(1 for a, b in zip(owners, owners[1:]) if a != b) > 3
    assert "| 1 x 1,200 | 1 | default: exact scan |" in report
    assert "| 1 x 1,200 | 1 | forced: HNSW iterative, own index |" in report
    assert "| 3 x 40 | 3 | default: exact scan |" in report
    rows = [line for line in report.splitlines() if line.startswith("| ") and " x " in line and "galleries" not in line]
    unfiltered = [row for row in rows if "default: " in row or "forced: " in row]
    assert len(unfiltered) == 4
    # every filter on the largest gallery, with the share it kept and the plan it took
    assert "| 1 x 1,200 | 1 | camera (the gallery's first): kept 100.00%, exact scan |" in report
    assert "| 1 x 1,200 | 1 | favourite, abroad (~0.1%): kept" not in report  # fewer than two photos: skipped
    filtered = [row for row in rows if "kept" in row]
    assert {row.split("|")[3].split(":")[0].strip() for row in filtered if "1 x 1,200" in row} >= {
        "camera (the gallery's first)", "file type HEIC (10%)", "favourite (3%)", "a country abroad (~3%)"}
    assert all(float(row.split("|")[-2]) == 1.0 for row in rows if "exact scan" in row), report  # exact is exact
    assert "HNSW index photo_embedding_hnsw_model_" in report and "shared_buffers" in report
    assert "1 galleries' own HNSW indexes" in report and "own HNSW indexes of galleries of 1,000+ photos" in report

    call_command("benchmark_search", "--scale", "--teardown", stderr=io.StringIO())
    assert not EmbeddingModel.objects.filter(key=search_scale.MODEL_KEY).exists()
    vectors._sizes.clear()
    assert not [key for key in vectors.gallery_index_keys() if key[0] == model.pk]
    assert not Photo.objects.filter(owner__username__startswith="benchmark-scale-").exists()
    with pytest.raises(CommandError, match="COUNTxSIZE"):
        call_command("benchmark_search", "--scale", "--spread", "lots")



@pytest.mark.django_db
def test_a_gallery_with_its_own_index_is_measured_against_the_shared_one_too(settings, monkeypatch):
    """Galleries searched through their own index get a row of the same queries through the shared
    index (their own dropped in a transaction rolled back after), and keep their index."""
    settings.SEARCH_GALLERY_INDEX_MIN_PHOTOS = 1000
    monkeypatch.setattr(vectors, "EXACT_SCAN_MAX_ROWS", 200)  # 1,200 photos through an index
    monkeypatch.setattr(vectors, "HNSW_ROWS_PER_CANDIDATE", 0.25)
    out = io.StringIO()
    call_command("benchmark_search", "--scale", "--spread", "1x1200,3x300", "--queries", "8", stdout=out,
                 stderr=io.StringIO())
    report = out.getvalue()
    own = [line for line in report.splitlines() if line.startswith("| 1 x 1,200 | 1 | default: HNSW iterative, own index")]
    shared = [line for line in report.splitlines() if line.startswith("| 1 x 1,200 | 1 | before: HNSW iterative, shared")]
    assert len(own) == len(shared) == 1, report
    assert float(own[0].split("|")[-2]) >= 0.95 and float(shared[0].split("|")[-2]) >= 0.9
    assert "| 3 x 300 | 3 | default: HNSW iterative, shared index |" in report  # too small for their own
    model = EmbeddingModel.objects.get(key=search_scale.MODEL_KEY)
    vectors._sizes.clear()
    assert len([key for key in vectors.gallery_index_keys() if key[0] == model.pk]) == 1  # rolled back, not lost
    call_command("benchmark_search", "--scale", "--teardown", stderr=io.StringIO())
