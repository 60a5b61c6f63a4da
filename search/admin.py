"""Admin of search: embedding models and re-index jobs, read-only (the staff page /search/reindex/
starts a re-index)."""

from django.contrib import admin

from search.models import EmbeddingModel, ReindexJob


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EmbeddingModel)
class EmbeddingModelAdmin(ReadOnlyAdmin):
    list_display = ["key", "architecture", "dimensions", "tag_threshold", "tag_relative_floor", "created_at"]


@admin.register(ReindexJob)
class ReindexJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "model", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "model"]
