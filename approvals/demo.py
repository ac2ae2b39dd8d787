"""Demo data for a local run: one user per role and a superuser."""

from django.contrib.auth.models import Group, User

from approvals.roles import Role

DEMO_USERS = [
    ("manager", "Grace", "Okafor", Role.GRANTS_MANAGER),
    ("iam", "Ian", "Ashworth", Role.IAM_SECRETARIAT),
    ("finance", "Farah", "Iqbal", Role.FINANCE_ADVISER),
    ("legal", "Leo", "Grant", Role.LEGAL_ADVISER),
    ("equalities", "Esther", "Mensah", Role.EQUALITIES_ADVISER),
    ("privacy", "Priya", "Nair", Role.PRIVACY_ADVISER),
    ("dmpc-office", "Dominic", "Hale", Role.DMPC_OFFICE),
    ("dmpc", "Deborah", "Marsh", Role.DMPC),
    ("publisher", "Paul", "Bishop", Role.PUBLISHER),
]


def create_demo_users(password: str) -> list[tuple[str, str]]:
    """Create or refresh the demo users; return (username, role label) pairs."""
    logins = []
    for username, first_name, last_name, role in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        logins.append((username, role.label))

    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "email": "admin@example.org",
            "is_staff": True,
            "is_superuser": True,
            "is_active": True,
        },
    )
    admin.set_password(password)
    admin.save()
    logins.append(("admin", "Administrator"))
    return logins
