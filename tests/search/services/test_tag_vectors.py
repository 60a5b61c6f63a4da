"""Photos' GloVe tag vectors follow their visible tags."""

from gallery.selectors import photo_get
from search import vectors
from search.models import PhotoTag, PhotoTagVector
from search.selectors import words as word_selectors
from search.services import tag_edits, tag_vectors
from tests.factories import ready_photo_factory


def test_the_tag_vector_follows_the_tags(user, vocabulary):
    photo = ready_photo_factory(owner=user)
    PhotoTag.objects.filter(photo=photo).delete()
    tag_vectors.tag_vectors_update(photo_ids=[photo.pk])
    assert not PhotoTagVector.objects.filter(photo=photo).exists()

    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="boat")
    sea = word_selectors.word_query("sea").vector
    near_sea = vectors.nearest_tagged_photos(owner_id=user.pk, query=sea, limit=1)[0]
    assert near_sea.photo_id == photo.pk and near_sea.score > 0.5

    tag_edits.photo_tag_remove(photo=photo_get(owner=user, photo_id=photo.pk), name="boat")
    tag_edits.photo_tag_add(photo=photo_get(owner=user, photo_id=photo.pk), name="birthday cake")
    assert vectors.nearest_tagged_photos(owner_id=user.pk, query=sea, limit=1)[0].score < near_sea.score
