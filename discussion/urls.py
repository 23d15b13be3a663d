from django.urls import path

from . import views

urlpatterns = [
    path("lesson/<id:lesson_id>/ask/", views.ask, name="discussion_ask"),
    path("course/<id:course_id>/", views.course_threads, name="discussion_course"),
    path("unfollow/<str:token>/", views.unfollow_link, name="discussion_unfollow"),
    path("emails/<str:token>/", views.emails_link, name="discussion_emails"),
    path("<id:thread_id>/", views.thread_view, name="discussion_thread"),
    path("<id:thread_id>/reply/", views.reply, name="discussion_reply"),
    path("<id:thread_id>/follow/", views.follow, name="discussion_follow"),
    path("<id:thread_id>/report/", views.report, name="discussion_report"),
    path("<id:thread_id>/moderate/", views.moderate, name="discussion_moderate"),
]
