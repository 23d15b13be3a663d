"""Course discussion: questions (threads) under a lesson, their replies (posts), who follows
which thread, and members' reports of posts for the trainers to look at.

Posts are plain text: they are stored as typed and escaped whenever shown
(``discussion.text``). A post keeps its author when the author leaves the course; only deleting
the account removes the name (the post then reads "former member").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Moderated(models.Model):
    """Something a trainer can hide from members (and restore) without deleting it."""

    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta:
        abstract = True

    def hide(self, user) -> None:
        self.hidden, self.hidden_by, self.hidden_at = True, user, timezone.now()
        self.save(update_fields=["hidden", "hidden_by", "hidden_at"])

    def restore(self) -> None:
        self.hidden, self.hidden_by, self.hidden_at = False, None, None
        self.save(update_fields=["hidden", "hidden_by", "hidden_at"])


class Thread(Moderated):
    """A question asked under a lesson (optionally about one slide), and the replies to it."""

    lesson = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="discussion_threads",
        verbose_name=_("lesson"),
    )
    # The course is the lesson's, stored so a course's questions are one indexed query away
    # and every access check can start from it.
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="course_discussion_threads",
        verbose_name=_("course"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="discussion_threads",
        verbose_name=_("asked by"),
    )
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    slide_number = models.PositiveIntegerField(_("about slide"), null=True, blank=True)
    locked = models.BooleanField(
        _("locked"), default=False, help_text=_("No one can reply to a locked question.")
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    updated_at = models.DateTimeField(_("last activity"), default=timezone.now)
    accepted_post = models.ForeignKey(
        "discussion.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accepted answer"),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["course", "-updated_at"]),
            models.Index(fields=["lesson", "-updated_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("discussion_thread", args=[self.pk])


class Post(Moderated):
    """A reply to a question."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("question")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="discussion_posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("reply"))
    created_at = models.DateTimeField(_("posted"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}#post-{self.pk}"


class Follow(models.Model):
    """Someone who is emailed when a question gets a reply (the asker and everyone who replied,
    until they unfollow; anyone who can read it may follow)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="discussion_follows",
        verbose_name=_("member"),
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="follows", verbose_name=_("question")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="discussion_follow_once")
        ]

    def __str__(self):
        return f"{self.user} → {self.thread}"


class Report(models.Model):
    """A member's report of a question or reply that should not be there (``post`` empty: the
    question itself), waiting for a trainer until resolved."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="reports", verbose_name=_("question")
    )
    post = models.ForeignKey(
        Post,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("reply"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved = models.BooleanField(_("resolved"), default=False, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.thread} ({self.reason[:40]})"

    @property
    def target(self):
        return self.post or self.thread


class DiscussionPreference(models.Model):
    """A member's choice about discussion emails (one switch for all of them; each question
    can also be unfollowed on its own). No row means the default: emails on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="discussion_preference",
        verbose_name=_("member"),
    )
    emails = models.BooleanField(_("email me about questions and replies"), default=True)

    class Meta:
        verbose_name = _("discussion preference")
        verbose_name_plural = _("discussion preferences")

    def __str__(self):
        return str(self.user)

    @classmethod
    def wants_emails(cls, user) -> bool:
        return not cls.objects.filter(user=user, emails=False).exists()
