"""Keys made by DRF's authtoken app (one plain-text key per user) become named, hashed ApiTokens,
so apps that hold one keep working; the plain-text copies (and their table) are then dropped."""

import hashlib

from django.db import migrations


def hash_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = ApiToken.objects.create(user_id=user_id, name="API token (from before names)",
                                        key_hash=hashlib.sha256(key.encode()).hexdigest(), key_prefix=key[:8])
        ApiToken.objects.filter(pk=token.pk).update(created_at=created)
    with connection.cursor() as cursor:
        # The app is gone: its table (with a foreign key to users) would block flushes and TRUNCATEs.
        cursor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_api_tokens_and_invites"),
    ]

    operations = [
        migrations.RunPython(hash_old_tokens, migrations.RunPython.noop),
    ]
