"""The "Discussion" item in the admin menu: the moderation queue."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from courses.permissions import is_site_admin

from . import admin_views


@hooks.register("register_admin_urls")
def register_discussion_urls():
    return [path("discussion/", admin_views.moderation_queue, name="discussion_moderation")]


class DiscussionMenuItem(MenuItem):
    """Shown to admins and trainers, with the number of reported posts waiting."""

    def is_shown(self, request):
        user = request.user
        return is_site_admin(user) or user.trained_courses.exists()

    def render_component(self, request):
        component = super().render_component(request)
        count = admin_views.open_report_count(request.user)
        if count:
            component.label = f"{self.label} ({count})"
        return component


@hooks.register("register_admin_menu_item")
def discussion_menu_item():
    return DiscussionMenuItem(
        _("Discussion"), reverse("discussion_moderation"), icon_name="help", order=280
    )
