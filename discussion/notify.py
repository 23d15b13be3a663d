"""Discussion emails: a reply to everyone following the question, a new question to the
course's trainers. Each in the recipient's language, each with links to stop them."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from courses.mail import preferred_language, send_template
from courses.names import person_name

from .access import as_lesson, can_read
from .models import DiscussionPreference, Post, Thread

UNFOLLOW_SALT = "discussion.unfollow"
EMAILS_SALT = "discussion.emails"


def unfollow_url(user, thread) -> str:
    """A link that unfollows ``thread`` for ``user`` without logging in (signed, no expiry:
    the link in an old email must still work)."""
    token = signing.dumps([user.pk, thread.pk], salt=UNFOLLOW_SALT)
    return reverse("discussion_unfollow", args=[token])


def emails_url(user) -> str:
    """A link that turns all discussion emails off (or on again) for ``user``."""
    return reverse("discussion_emails", args=[signing.dumps(user.pk, salt=EMAILS_SALT)])


def read_token(token: str, salt: str):
    """What a link's token carries, or None if it was not made here."""
    try:
        return signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None


def author_name(user) -> str:
    return person_name(user) if user is not None else _("a former member")


def _send(user, template: str, context: dict) -> None:
    with override(preferred_language(user)):
        send_template(
            [user.email],
            template,
            {
                **context,
                "recipient": user,
                "emails_url": emails_url(user),
                "author_name": author_name(context.get("author")),
            },
        )


def _wants(user, lesson) -> bool:
    # Checked when sending, not when following: someone who has left the course since, or
    # turned emails off, gets nothing.
    return bool(user.email) and DiscussionPreference.wants_emails(user) and can_read(user, lesson)


def notify_reply(post: Post) -> int:
    """Email the question's followers, but not the reply's author, about ``post``; returns
    how many were sent."""
    thread = post.thread
    lesson = as_lesson(thread.lesson)
    if lesson is None or post.hidden or thread.hidden:
        return 0
    followers = (
        get_user_model()
        .objects.filter(discussion_follows__thread=thread, is_active=True)
        .exclude(pk=post.author_id)
        .order_by("pk")
    )
    sent = 0
    # Someone who chose no language gets the site's, whatever the request that queued this was.
    with override(settings.LANGUAGE_CODE):
        for user in followers:
            if not _wants(user, lesson):
                continue
            _send(
                user,
                "discussion/email/reply.txt",
                {
                    "thread": thread,
                    "post": post,
                    "author": post.author,
                    "lesson": lesson,
                    "course": thread.course,
                    "unfollow_url": unfollow_url(user, thread),
                },
            )
            sent += 1
    return sent


def notify_question(thread: Thread) -> int:
    """Email the course's trainers about a new question; returns how many were sent."""
    lesson = as_lesson(thread.lesson)
    if lesson is None or thread.hidden:
        return 0
    trainers = thread.course.trainers.filter(is_active=True).exclude(pk=thread.author_id)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for user in trainers.order_by("pk"):
            if not _wants(user, lesson):
                continue
            _send(
                user,
                "discussion/email/question.txt",
                {
                    "thread": thread,
                    "author": thread.author,
                    "lesson": lesson,
                    "course": thread.course,
                },
            )
            sent += 1
    return sent
