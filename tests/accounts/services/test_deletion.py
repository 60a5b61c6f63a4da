from pathlib import Path

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models

from accounts.models import ApiToken, Invite, Profile
from accounts.services.deletion import user_delete
from accounts.services.signup import invite_create
from accounts.services.tokens import api_token_create
from gallery.models import Photo
from search.models import PhotoEmbedding, PhotoTag, PhotoTagVector
from tests import images
from tests.factories import UserFactory, ready_photo_factory, tagged_photo


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def rows_pointing_at(user_id: int) -> dict[str, int]:
    """Every row of every model that has a foreign key to the user model and names this user."""
    counts = {}
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
                count = model.objects.filter(**{field.name: user_id}).count()
                if count:
                    counts[f"{model._meta.label}.{field.name}"] = count
    return counts


def test_deleting_an_account_leaves_no_file_or_row_behind(client, vocabulary, django_capture_on_commit_callbacks):
    keeper = UserFactory()
    kept_photo = ready_photo_factory(owner=keeper, data=images.jpeg(200, 150, seed=5))
    kept_files = media_files()

    user = UserFactory(is_staff=True)
    Profile.objects.create(user=user, time_zone="Europe/Lisbon")
    photos = [ready_photo_factory(owner=user, data=images.jpeg(200, 150, seed=10 + i)) for i in range(3)]
    photos.append(tagged_photo(user, "summer garden", seed=20))
    api_token_create(user=user, name="phone")
    invite_create(created_by=user, note="a friend")
    client.force_login(user)
    AccessAttempt.objects.create(username=user.username, ip_address="127.0.0.1", user_agent="x", failures_since_start=1,
                                 get_data="", post_data="", http_accept="", path_info="/")
    assert PhotoEmbedding.objects.filter(owner=user).exists() and PhotoTag.objects.filter(owner=user).exists()
    assert len(media_files() - kept_files) >= 2 * len(photos)  # originals and thumbnails
    user_id = user.pk

    with django_capture_on_commit_callbacks(execute=True):
        report = user_delete(user=user)

    assert report.photos == 4
    assert media_files() == kept_files
    assert rows_pointing_at(user_id) == {}
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not Photo.objects.filter(pk__in=[p.pk for p in photos]).exists()
    for model, field in ((PhotoEmbedding, "owner"), (PhotoTag, "owner"), (PhotoTagVector, "owner"),
                         (ApiToken, "user"), (Invite, "created_by"), (Profile, "user")):
        assert not model.objects.filter(**{f"{field}_id": user_id}).exists(), model
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_id)]
    # The other account is untouched.
    assert Photo.objects.filter(pk=kept_photo.pk).exists() and PhotoEmbedding.objects.filter(owner=keeper).exists()
