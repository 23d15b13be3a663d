"""Django's ModelBackend, finding the logged-in member of every request with one row fetch
(``elearn.sql.fetch_one``) instead of a query built by the ORM each time.

Listed first in AUTHENTICATION_BACKENDS, so new log-ins name it in their session; Django's own
backend stays listed after it, so sessions made before still load their user.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import PermissionDenied

from .sql import fetch_one


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # noqa: BLE001 - a malformed id in a session: nobody
            return None
        user = fetch_one(model, {model._meta.pk.column: pk})
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """Every page shows the admin link (and Wagtail's user bar) only to those allowed in:
        two queries a page for the same answer. While a page is served it is kept per
        process (``courses.page_memory``); any change to a user's groups or permissions, or
        to a group's, moves the version on (``courses.signal_handlers``)."""
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return super().get_all_permissions(user_obj, obj)
        from courses.page_memory import remembered

        permissions = remembered(
            ("permissions", user_obj.pk, user_obj.is_superuser),
            lambda: frozenset(super(ModelBackend, self).get_all_permissions(user_obj)),
        )
        # Django's backend, asked next, answers from the same per-request attribute.
        user_obj._perm_cache = permissions
        return permissions

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Django's backend, listed after this one, would check the same password again
            # (twice the hashing for every wrong guess): stop here.
            raise PermissionDenied
        return user
