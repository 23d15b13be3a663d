"""Public URLs of the insights app: email settings and unsubscribe links."""

from django.urls import path

from .views import notifications

urlpatterns = [
    path("", notifications.preferences, name="notification_preferences"),
    path(
        "unsubscribe/<str:token>/",
        notifications.unsubscribe_view,
        name="notification_unsubscribe",
    ),
]
