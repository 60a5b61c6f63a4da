"""Admin of accounts: users (deactivate, delete with everything in it), their tokens, invites."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import ApiToken, Invite, Profile
from accounts.services import deletion, tokens

User = get_user_model()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are made by the app (a token's key or an invite's link is shown only to whoever makes it)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["time_zone"]


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    fields = readonly_fields = ["name", "key_prefix", "created_at", "last_used_at", "expires_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "is_active", "is_staff", "date_joined", "last_login"]
    inlines = [ProfileInline, ApiTokenInline]
    actions = ["deactivate", "activate"]

    @admin.action(description="Deactivate the selected users (they can no longer log in or use their tokens)")
    def deactivate(self, request, queryset):
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)

    @admin.action(description="Activate the selected users")
    def activate(self, request, queryset):
        self.message_user(request, f"Activated {queryset.update(is_active=True)} user(s).", messages.SUCCESS)

    # Deleting goes through the account service: photos' files, vectors and tags go too.
    def delete_model(self, request, obj):
        deletion.user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            deletion.user_delete(user=user)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "expires_at"]
    list_filter = ["created_at"]
    search_fields = ["name", "user__username"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # "Revoke" does it, through the service

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = 0
        for token in queryset:
            tokens.api_token_revoke(token=token)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(Invite)
class InviteAdmin(ReadOnlyAdmin):
    """Invites are made on the staff page /accounts/invites/ (the link is shown there once)."""

    list_display = ["note", "created_by", "created_at", "expires_at", "used_by", "used_at"]
    search_fields = ["note", "created_by__username", "used_by__username"]
