from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses import page_routes
from courses.forms import LoginForm
from courses.views import (
    accounts,
    certificates,
    enrolment,
    learning,
    progress,
    search,
    serve,
    tags,
    videos,
)

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("search/", search.search, name="search"),
    path("discussion/", include("discussion.urls")),
    path("decks/<id:deck_id>/files/<path:name>", serve.deck_file, name="deck_file"),
    path("videos/<id:video_id>/files/<path:name>", videos.video_file, name="video_file"),
    path(
        "videos/<id:video_id>/captions/<id:caption_id>.vtt",
        videos.video_caption,
        name="video_caption",
    ),
    path("videos/<id:video_id>/position/", videos.video_position, name="video_position"),
    path("enrol/<id:course_id>/", enrolment.enrol_view, name="enrol"),
    path("enrol/<id:course_id>/leave/", enrolment.withdraw_view, name="withdraw"),
    path("progress/<id:page_id>/", progress.report_progress, name="progress"),
    path("learning/", learning.my_learning, name="my_learning"),
    path("certificates/", certificates.lookup, name="certificate_lookup"),
    path("certificates/<str:code>/", certificates.verify, name="certificate"),
    path("certificates/<str:code>/pdf/", certificates.download, name="certificate_pdf"),
    path("tags/", tags.tag_index, name="tag_index"),
    path("tags/<str:slug>/", tags.tag_detail, name="tag"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/", include("insights.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns
    from django.views.static import serve

    urlpatterns += staticfiles_urlpatterns()
    # Only Wagtail's public images in development: deck and video files, originals included,
    # go through the permission-checked views and are never served straight from MEDIA_ROOT.
    urlpatterns += [
        re_path(
            r"^media/(?P<path>(?:images|original_images)/.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

urlpatterns += [
    *[pattern for pattern in wagtail_urls.urlpatterns if pattern.name != "wagtail_serve"],
    # In place of Wagtail's page view: ours finds pages from memory while none change and then
    # calls it (courses/page_routes.py).
    re_path(wagtail_urls.serve_pattern, page_routes.serve, name="wagtail_serve"),
]
