from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from approvals.accounts.forms import AdminSignInForm
from approvals.accounts.sessions import sign_out_everywhere
from approvals.models import AuditEvent, CaseVersion, Decision, Publication

# The admin's sign-in page is limited exactly as the service's (AXES_FAILURE_LIMIT).
admin.site.login_form = AdminSignInForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that nobody changes by hand, not even an administrator."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "actor_name", "action", "case", "short_hash"]
    list_filter = ["action"]
    search_fields = ["actor_name", "case__title"]
    list_select_related = ["case"]

    @admin.display(description="Hash")
    def short_hash(self, event):
        return event.hash[:12]


@admin.register(CaseVersion)
class CaseVersionAdmin(ReadOnlyAdmin):
    list_display = ["case", "number", "created_at", "created_by", "sha256"]
    list_select_related = ["case", "created_by"]
    exclude = ["document"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["reference", "case", "outcome", "decided_at", "decided_by"]
    list_select_related = ["case", "decided_by"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "due_at", "deferred_until", "published_at"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = ["sign_out_everywhere"]

    @admin.action(description="Sign the selected users out everywhere")
    def sign_out_everywhere(self, request, queryset):
        ended = sign_out_everywhere(set(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{ended} session(s) ended. Those users must sign in again.", messages.SUCCESS
        )
