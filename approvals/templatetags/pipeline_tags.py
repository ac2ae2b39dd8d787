from django import template

from approvals.money import may_see_money
from approvals.pipeline import may_see_pipeline

register = template.Library()


@register.filter
def sees_pipeline(user) -> bool:
    """Whether the pipeline belongs in the person's navigation."""
    return may_see_pipeline(user)


@register.filter
def sees_money(user) -> bool:
    """Whether the money dashboard belongs in the person's navigation."""
    return may_see_money(user)
