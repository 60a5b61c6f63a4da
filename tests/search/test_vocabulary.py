"""The vocabulary file and which of its concepts a model with known training labels recognises."""

import numpy as np

from search import vocabulary


def _unit(*values):
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_a_model_knows_its_labels_and_their_close_synonyms_only():
    names = ["airplane", "jet", "bird", "grandmother"]
    glove = np.stack([_unit(1, 0, 0), _unit(1, 0.2, 0), _unit(1, 1, 0), _unit(0, 0, 1)])  # jet ~0.98, bird ~0.71
    mask = vocabulary.known_concepts_mask(names, glove, labels=frozenset({"airplane"}))
    assert [name for name, known in zip(names, mask) if known] == ["airplane", "jet"]
    assert not vocabulary.known_concepts_mask(names, glove, labels=frozenset({"okapi"})).any()


def test_learnt_labels_join_the_vocabulary_only_when_the_file_lacks_them():
    entries = vocabulary.learnt_entries({"airplane", "egyptian cat"}, existing={"airplane"})
    assert entries == [vocabulary.Entry(name="egyptian cat", category=vocabulary.LEARNT_CATEGORY)]
