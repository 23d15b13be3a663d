"""Background tasks (Django Tasks API): the discussion's emails, sent after the post is saved."""

from django_tasks import task

from . import notify
from .models import Post, Thread


@task()
def notify_reply_task(post_id: int) -> int:
    """Email the followers of a reply's question; nothing if the reply is gone."""
    post = Post.objects.select_related("thread__course", "thread__lesson", "author").filter(
        pk=post_id
    )
    return notify.notify_reply(post[0]) if post else 0


@task()
def notify_question_task(thread_id: int) -> int:
    """Email the course's trainers about a new question; nothing if it is gone."""
    thread = Thread.objects.select_related("course", "lesson", "author").filter(pk=thread_id)
    return notify.notify_question(thread[0]) if thread else 0
