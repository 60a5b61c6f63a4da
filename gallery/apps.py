from django.apps import AppConfig


class GalleryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gallery"

    def ready(self) -> None:
        from gallery import signals  # noqa: F401, PLC0415 - receivers connect once the app registry is ready
