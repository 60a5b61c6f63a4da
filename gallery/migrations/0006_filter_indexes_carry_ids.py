# The filter indexes carry the photo id, the trash column and the other filters' columns, so a
# search's filtered ids are read from one index alone (gallery.models.Photo.Meta.indexes). Built
# concurrently, one at a time: a large library keeps uploading and searching meanwhile.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

VALUE_COLUMNS = ("camera", "city", "region", "country", "country_code")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ('gallery', '0005_owner_value_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RemoveIndexConcurrently(model_name='photo', name='photo_file_type'),
        AddIndexConcurrently(
            model_name='photo',
            index=models.Index(condition=models.Q(('trashed_at__isnull', True)), fields=['owner', 'content_type'],
                               include=('id', 'favourite', 'timeline_at'), name='photo_file_type'),
        ),
        *[operation for column in VALUE_COLUMNS for operation in (
            RemoveIndexConcurrently(model_name='photo', name=f'photo_owner_{column}'),
            AddIndexConcurrently(
                model_name='photo',
                index=models.Index(fields=['owner', column], include=('id', 'trashed_at', 'favourite', 'timeline_at'),
                               name=f'photo_owner_{column}'),
            ),
        )],
    ]
