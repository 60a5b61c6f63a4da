from benchmarks.datasets import clean_class_name, in_split


def test_split_and_class_names():
    assert [i for i in range(10) if in_split(i, "test")] == [4, 9]
    assert clean_class_name("Faces_easy") == clean_class_name("Faces") == "face"
    assert clean_class_name("wild_cat") == "wild cat" and clean_class_name("airplanes") == "airplane"
