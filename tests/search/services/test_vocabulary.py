"""The tagging vocabulary: GloVe words, concepts and their CLIP vectors."""

from gallery.selectors import photo_get
from search.models import Concept, ConceptEmbedding, PhotoTag, PhotoTagVector
from search.services import tag_edits
from search.services import vocabulary as vocabulary_services
from tests.factories import ready_photo_factory


def test_the_vocabulary_has_over_a_thousand_concepts_with_glove_and_clip_vectors(vocabulary):
    assert vocabulary.concepts >= 1000 and vocabulary.glove_words == 400_000

    assert ConceptEmbedding.objects.filter(model__key=vocabulary.model_key).count() == Concept.objects.count()
    assert Concept.objects.filter(name="hot air balloon").exists()


def test_tags_added_before_glove_was_loaded_get_their_vectors_when_it_is(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="sailboat")
    PhotoTag.objects.filter(photo=photo).update(glove=None)  # as if GloVe had been empty
    PhotoTagVector.objects.filter(photo=photo).delete()
    vocabulary_services.vocabulary_build(embed=False)
    assert PhotoTag.objects.get(photo=photo, name="sailboat").glove is not None
    assert PhotoTagVector.objects.filter(photo=photo).exists()
