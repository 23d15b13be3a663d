"""Emails from templates: the first line of the rendered template is the subject."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from wagtail.users.models import UserProfile

logger = logging.getLogger(__name__)


def send_template(to: list[str], template: str, context: dict) -> None:
    """Send one email; a mail server being down is logged, never raised into the caller (an
    enrolment or a completed course must not be undone by it)."""
    context = {"site_url": settings.WAGTAILADMIN_BASE_URL, **context}
    subject, _sep, body = render_to_string(template, context).strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, to)
    except Exception:
        logger.exception("Could not send %s to %s", template, to)


def preferred_language(user) -> str:
    """The language the member chose in their account (Wagtail's profile), or the site's."""
    return UserProfile.get_for_user(user).get_preferred_language()
