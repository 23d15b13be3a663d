"""Give a person a section (or course, or library) to draft pages in, for peer review."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Page

from courses.roles import contributor_group_name, grant_contributor, revoke_contributor


class Command(BaseCommand):
    help = (
        "Let USER add and edit pages under PAGE_ID (not publish: what they submit goes to the "
        "Reviewers through the Peer review workflow). --revoke takes it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="username or email address")
        parser.add_argument("page_id", type=int, help="the section, course or library page")
        parser.add_argument("--revoke", action="store_true", help="take the rights back")

    def handle(self, *args, user, page_id, revoke, **options):
        User = get_user_model()
        person = (
            User.objects.filter(username=user).first()
            or User.objects.filter(email__iexact=user).first()
        )
        if person is None:
            raise CommandError(f"No user {user!r}.")
        page = Page.objects.filter(pk=page_id).first()
        if page is None or page.depth < 2:
            raise CommandError(f"No page with id {page_id}.")
        if revoke:
            revoke_contributor(person, page)
            self.stdout.write(f"{person.get_username()} no longer contributes to “{page.title}”.")
        else:
            grant_contributor(person, page)
            self.stdout.write(
                f"{person.get_username()} may draft pages under “{page.title}” "
                f"(group “{contributor_group_name(page)}”)."
            )
