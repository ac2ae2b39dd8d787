"""Account changes made anywhere (Django's admin, a management command, code) become audit
events: an account's creation, its roles (group membership), and its staff, superuser
and active flags.

The administration pages (approvals.accounts.administration) write their own events,
which say the whole of a change at once, and keep these quiet while they do.

A user's `groups.set()` removes, then adds: when it does both, that is two events.
`QuerySet.update()` sends no signals, so flags changed that way are not seen here.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save

from approvals.accounts.events import FLAGS, current_actor, record_account_event, signals_quiet
from approvals.models import AuditAction


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(remember_stored_flags, sender=user_model, dispatch_uid="account-flags-pre")
    post_save.connect(record_account_saved, sender=user_model, dispatch_uid="account-flags-post")
    m2m_changed.connect(
        record_group_membership, sender=user_model.groups.through, dispatch_uid="account-roles"
    )


def remember_stored_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._stored_flags = None
    if raw or signals_quiet() or instance._state.adding:
        return
    if update_fields is not None and not set(update_fields) & set(FLAGS):
        return  # signing in saves last_login alone, for example
    instance._stored_flags = sender._default_manager.filter(pk=instance.pk).values(*FLAGS).first()


def record_account_saved(sender, instance, created, raw=False, **kwargs):
    stored = instance.__dict__.pop("_stored_flags", None)
    if raw or signals_quiet():
        return
    if created:
        # Roles can only be given once the account exists: they follow as their own events.
        record_account_event(
            AuditAction.ACCOUNT_CREATED,
            instance,
            actor=current_actor(),
            roles=[],
            **{flag: getattr(instance, flag) for flag in FLAGS},
        )
        return
    if stored is None:
        return
    changes = {
        flag: {"from": stored[flag], "to": getattr(instance, flag)}
        for flag in FLAGS
        if stored[flag] != getattr(instance, flag)
    }
    if changes:
        record_account_event(
            AuditAction.ACCOUNT_CHANGED, instance, actor=current_actor(), changes=changes
        )


def record_group_membership(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Group membership changes from either side: `user.groups.add(group)` or
    `group.user_set.add(user)`."""
    if signals_quiet():
        return
    user_model = get_user_model()
    if action in ("pre_remove", "pre_clear"):
        # Django names every pk asked for; only those really held are removed.
        members = sender.objects.filter(**{"group" if reverse else "user": instance})
        if pk_set is not None:
            members = members.filter(**{"user__in" if reverse else "group__in": pk_set})
        instance._leaving = set(
            members.values_list("user_id" if reverse else "group_id", flat=True)
        )
        return
    if action == "post_add":
        changed, added = set(pk_set or ()), True
    elif action in ("post_remove", "post_clear"):
        changed, added = instance.__dict__.pop("_leaving", set()), False
    else:
        return
    if not changed:
        return
    if reverse:
        people = user_model._default_manager.filter(pk__in=changed).order_by("pk")
        changes = [(person, [instance.name]) for person in people]
    else:
        names = sorted(Group.objects.filter(pk__in=changed).values_list("name", flat=True))
        changes = [(instance, names)]
    for person, names in changes:
        person.__dict__.pop("_role_names", None)
        record_account_event(
            AuditAction.ROLES_CHANGED,
            person,
            actor=current_actor(),
            added=names if added else [],
            removed=[] if added else names,
        )
