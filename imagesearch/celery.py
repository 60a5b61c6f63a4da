import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesearch.settings.dev")

app = Celery("imagesearch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
