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

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Django's backend, listed after this one, would check the same password again
            # (twice the hashing for every wrong guess): stop here.
            raise PermissionDenied
        return user
