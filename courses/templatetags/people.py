"""``{{ user|person_name }}``: a person's name as they write it (李明, Ada Lovelace)."""

from django import template

from ..names import person_name as _person_name

register = template.Library()


@register.filter
def person_name(user) -> str:
    """The user's name in their script's order, their username without one; "" for nobody."""
    return _person_name(user) if user is not None else ""
