import pytest
from rest_framework.test import APIClient

from search import glove, vectors
from search.clip import encoders, weights
from search.models import Concept, GloveWord
from search.services import embedding_models
from search.services import vocabulary as vocabulary_services
from tests.factories import UserFactory, api_token_factory
from tests.s3 import bucket, s3_server  # noqa: F401 - fixtures: a real S3 server and a bucket per test


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_factory(user=user)}")
    return client


@pytest.fixture
def api_client(user) -> APIClient:
    return _token_client(user)


@pytest.fixture
def other_api_client(other_user) -> APIClient:
    return _token_client(other_user)


@pytest.fixture
def browser_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores files in its own folder, so file assertions see only its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def switch_model(settings):
    """Change the CLIP settings for one test; the process's model is reloaded around it."""

    def switch(**overrides):
        for name, value in overrides.items():
            setattr(settings, name, value)
        encoders.reset()

    yield switch
    encoders.reset()


@pytest.fixture
def offline_model(switch_model):
    """The small CLIP trained by the project: meaningful results, fast on a CPU."""

    switch_model(CLIP_MODEL=weights.OFFLINE_ARCHITECTURE, CLIP_PRETRAINED=weights.offline_spec().pretrained,
                 CLIP_RANDOM_WEIGHTS=False)


@pytest.fixture(scope="session")
def glove_words(django_db_setup, django_db_blocker):
    """GloVe's 400,000 words in the test database with their HNSW index, and the vocabulary with
    the offline model's concept vectors, committed once (the words take about a minute). The word
    table is unmanaged, so flushes between transactional tests keep it; the vocabulary fixture
    rebuilds the rest when a flush removed it."""
    with django_db_blocker.unblock():
        words, matrix = glove.load_packaged()
        if GloveWord.objects.count() != len(words):
            vectors.glove_words_replace(words=words, matrix=matrix)
        vocabulary_services.vocabulary_build(embed=True)


@pytest.fixture
def vocabulary(glove_words, offline_model, db):
    """The tagging vocabulary with the offline model's concept vectors (photos processed in the
    test get automatic tags)."""
    if not Concept.objects.exists():
        return vocabulary_services.vocabulary_build(embed=True)
    model = embedding_models.active_model_ensure()
    return vocabulary_services.VocabularyReport(
        glove_words=GloveWord.objects.count(), glove_loaded=False, concepts=Concept.objects.count(), skipped=[],
        embedded=vocabulary_services.concept_embeddings_ensure(model=model), model_key=model.key)
