"""The tagging vocabulary: GloVe words, concepts and their CLIP vectors."""

from gallery.selectors import photo_get
from search.models import Concept, ConceptEmbedding, EmbeddingModel, PhotoTag, PhotoTagVector
from search.selectors.embedding_models import trained_labels
from search.services import embedding_models, tag_edits
from search.services import vocabulary as vocabulary_services
from search.vocabulary import LEARNT_CATEGORY
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


def test_the_offline_model_tags_only_with_the_concepts_it_learnt(vocabulary):
    model = embedding_models.active_model_ensure()
    labels = trained_labels(model=model)
    names = set(vocabulary_services.tagging_vocabulary(model=model).names)
    assert {"helicopter", "motorbike", "egyptian cat", "sunflower"} <= names  # Caltech, Tiny-ImageNet, flowers labels
    assert names.isdisjoint({"airplane", "leopard", "face"})  # held out of its training: never learnt
    assert Concept.objects.get(name="egyptian cat").category == LEARNT_CATEGORY  # not in the curated file
    # What it tagged a spider with before: concepts it never saw in a caption.
    assert names.isdisjoint({"palm tree", "tree trunk", "brick", "clown", "grandmother", "hammer", "nurse"})
    synonyms = names - labels
    assert len(names) < 400 and len(synonyms) < len(labels) / 4  # a few close GloVe synonyms at most


def test_a_model_without_training_labels_tags_with_the_whole_curated_vocabulary(vocabulary):
    clip_like = EmbeddingModel.objects.create(key="ViT-B-32/laion2b_s34b_b79k", architecture="ViT-B-32",
                                              pretrained="laion2b_s34b_b79k", dimensions=4)
    ConceptEmbedding.objects.bulk_create([ConceptEmbedding(concept=concept, model=clip_like, embedding=[1, 0, 0, 0])
                                          for concept in Concept.objects.all()])
    names = set(vocabulary_services.tagging_vocabulary(model=clip_like, compute=False).names)
    curated = set(Concept.objects.exclude(category=LEARNT_CATEGORY).values_list("name", flat=True))
    assert names == curated and {"palm tree", "grandmother", "hot air balloon"} <= names
