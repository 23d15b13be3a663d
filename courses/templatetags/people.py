"""``{{ user|person_name }}``: a person's name as they write it (李明, Ada Lovelace);
``{{ users|person_names }}``: several, listed as the reader's language lists them;
``{{ user|awaits_password }}``: an account made for them that they have not taken up yet."""

from django import template

from ..enrolments import awaits_password as _awaits_password
from ..names import join_list
from ..names import person_name as _person_name

register = template.Library()


@register.filter
def person_name(user) -> str:
    """The user's name in their script's order, their username without one; "" for nobody."""
    return _person_name(user) if user is not None else ""


@register.filter
def person_names(users) -> str:
    """Names joined by the language's list separator: "Ada Lovelace, 李明"; "Ada Lovelace、李明"."""
    return join_list(_person_name(user) for user in users)


@register.filter
def awaits_password(user) -> bool:
    """True for an invited account whose member has not chosen a password yet."""
    return user is not None and _awaits_password(user)
