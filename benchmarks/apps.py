from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Measurement of the product (speed, quality, load): no models, no URLs; product code never imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "benchmarks"
