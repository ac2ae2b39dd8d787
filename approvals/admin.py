from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from approvals.accounts.events import acting_as, record_account_event, recorded_by_caller
from approvals.accounts.forms import AdminSignInForm
from approvals.accounts.sessions import sign_out_everywhere
from approvals.models import AuditAction, AuditEvent, CaseVersion, Decision, Publication

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
    list_display = ["reference", "title", "imported", "due_at", "deferred_until", "published_at"]
    list_filter = ["imported"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin, whose changes to accounts are audit events like any other
    (approvals.accounts.signals), made by the signed-in administrator."""

    actions = ["sign_out_everywhere"]

    def save_model(self, request, obj, form, change):
        with acting_as(request.user):
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The groups box is saved with set(), which removes and then adds: one change
        # of roles, recorded as one event rather than two.
        person = form.instance
        before = set(person.groups.values_list("name", flat=True))
        with acting_as(request.user), recorded_by_caller():
            super().save_related(request, form, formsets, change)
        after = set(person.groups.values_list("name", flat=True))
        if before != after:
            record_account_event(
                AuditAction.ROLES_CHANGED,
                person,
                actor=request.user,
                added=sorted(after - before),
                removed=sorted(before - after),
            )

    @admin.action(description="Sign the selected users out everywhere")
    def sign_out_everywhere(self, request, queryset):
        ended = sign_out_everywhere(set(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{ended} session(s) ended. Those users must sign in again.", messages.SUCCESS
        )
