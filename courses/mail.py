"""Emails from templates: the first line of the rendered template is the subject."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from wagtail.users.models import UserProfile

from .addresses import site_address

logger = logging.getLogger(__name__)


def send_template(
    to: list[str],
    template: str,
    context: dict,
    *,
    footer: str | None = None,
    headers: dict | None = None,
    connection=None,
) -> bool:
    """Send one email; a mail server being down is logged, never raised into the caller (an
    enrolment or a completed course must not be undone by it). ``footer`` is a template
    rendered with the same context below the body (the unsubscribe links)."""
    context = {"site_url": site_address(), **context}
    subject, _sep, body = render_to_string(template, context).strip().partition("\n")
    body = body.strip() + "\n"
    if footer:
        body += "\n" + render_to_string(footer, context).strip() + "\n"
    message = EmailMessage(
        subject.strip(),
        body,
        settings.DEFAULT_FROM_EMAIL,
        to,
        headers=headers or {},
        connection=connection,
    )
    try:
        message.send()
    except Exception:
        logger.exception("Could not send %s to %s", template, to)
        return False
    return True


def preferred_language(user) -> str:
    """The language the member chose in their account (Wagtail's profile), or the site's."""
    return UserProfile.get_for_user(user).get_preferred_language()
