import factory
from django.contrib.auth import get_user_model

from gallery import services
from tests import images

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save()


_seed = iter(range(10_000, 10**9))


def photo_factory(*, owner, data: bytes | None = None, name: str = "photo.jpg"):
    """A photo stored through the real upload service (pending until processed)."""
    outcome = services.photo_upload(owner=owner, file=images.upload(data or images.jpeg(seed=next(_seed)), name=name))
    assert outcome.photo is not None, outcome.error
    return outcome.photo


def ready_photo_factory(*, owner, data: bytes | None = None, name: str = "photo.jpg"):
    photo = photo_factory(owner=owner, data=data, name=name)
    services.photos_process_pending()
    photo.refresh_from_db()
    assert photo.status == "ready", photo.error
    return photo
