from pathlib import Path

import pytest

from benchmarks.datasets import (
    clean_class_name,
    default_datasets_root,
    folder_labels,
    held_out_labels,
    in_split,
    label_rank_key,
    list_labeled_photos,
)

DATASETS = default_datasets_root()


def test_split_and_class_names():
    assert [i for i in range(10) if in_split(i, "test")] == [4, 9]
    assert clean_class_name("Faces_easy") == clean_class_name("Faces") == "face"
    assert clean_class_name("wild_cat") == "wild cat" and clean_class_name("airplanes") == "airplane"


def _datasets(root: Path, layout: dict[str, list[str]]) -> Path:
    for dataset, classes in layout.items():
        for name in classes:
            (root / dataset / name).mkdir(parents=True)
            for index in range(5):
                (root / dataset / name / f"{index}.jpg").write_bytes(b"x")
    return root


def test_held_out_classes_are_a_fixed_quarter_of_each_dataset_chosen_by_name_hash(tmp_path):
    caltech = [f"thing_{i}" for i in range(10)] + ["pizza"]
    tiny = [f"beast_{i}" for i in range(7)] + ["pizza"]
    root = _datasets(tmp_path, {"caltech101": caltech, "tiny_imagenet_val": tiny, "flowers5": ["daisy"]})
    held = held_out_labels(root)
    by_hash = sorted(folder_labels(root / "caltech101"), key=label_rank_key)
    assert set(by_hash[:3]) <= held  # 11 classes: the first ceil(11/4) = 3 by SHA-256
    assert set(sorted(folder_labels(root / "tiny_imagenet_val"), key=label_rank_key)[:2]) <= held
    assert len(held) <= 5 and "daisy" not in held
    assert held == held_out_labels(root)  # deterministic: names only, no randomness, no file order


def test_seen_and_unseen_photos_are_disjoint_and_cover_every_class(tmp_path):
    root = _datasets(tmp_path, {"caltech101": [f"c{i}" for i in range(8)], "tiny_imagenet_val": ["n1_a", "n2_b"]})
    folder = root / "caltech101"
    seen = list_labeled_photos(folder, split="train", classes="seen")
    unseen = list_labeled_photos(folder, split="train", classes="unseen")
    assert {p.label for p in seen}.isdisjoint({p.label for p in unseen})
    assert {p.label for p in unseen} == held_out_labels(root) & set(folder_labels(folder))
    assert sorted(p.path for p in seen + unseen) == sorted(p.path for p in list_labeled_photos(folder, split="train"))
    with pytest.raises(ValueError, match="classes must be one of"):
        list_labeled_photos(folder, classes="some")


def test_a_label_held_out_of_one_dataset_is_held_out_of_all(tmp_path):
    pizza = label_rank_key("pizza")
    after = [f"x{i}" for i in range(200) if label_rank_key(f"x{i}") > pizza][:3]  # pizza comes first in Caltech
    before = [f"y{i}" for i in range(200) if label_rank_key(f"y{i}") < pizza][:3]  # but not in Tiny-ImageNet
    root = _datasets(tmp_path, {"caltech101": ["pizza", *after], "tiny_imagenet_val": ["pizza", *before]})
    assert "pizza" in held_out_labels(root)
    assert "pizza" not in {p.label for p in list_labeled_photos(root / "tiny_imagenet_val", classes="seen")}


@pytest.mark.skipif(not (DATASETS / "caltech101").is_dir(), reason=f"{DATASETS} is absent")
def test_the_shared_datasets_hold_out_25_caltech_and_51_tiny_imagenet_classes():
    held = held_out_labels(DATASETS)
    assert len(held & set(folder_labels(DATASETS / "caltech101"))) == 25
    assert len(held & set(folder_labels(DATASETS / "tiny_imagenet_val"))) == 51
    assert {"airplane", "face", "umbrella", "goldfish"} <= held and "motorbike" not in held
