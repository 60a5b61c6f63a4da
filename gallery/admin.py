"""Admin of photos: read-only, with one safe action (queue failed photos again)."""

from django.contrib import admin, messages

from gallery.models import Photo
from gallery.services import uploads


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "owner", "status", "content_type", "width", "height", "created_at"]
    list_filter = ["status", "content_type", "created_at"]
    search_fields = ["original_name", "owner__username", "sha256"]
    list_select_related = ["owner"]
    actions = ["retry_failed"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Photo._meta.fields]

    # Photos come from uploads and are deleted by their owner (or with the account): the files
    # and vectors follow the services, not an admin form.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Queue the selected failed photos again")
    def retry_failed(self, request, queryset):
        count = uploads.photos_retry_failed(photo_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Queued {count} failed photo(s) again.", messages.SUCCESS)
