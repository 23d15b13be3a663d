"""Peer review: the task type, the Contributors and Reviewers groups, and the "Peer review"
workflow on the catalogue (courses.peer_review), editable in the admin afterwards."""

import django.db.models.deletion
from django.db import migrations, models


def create_peer_review(apps, schema_editor):
    from courses.peer_review import ensure_peer_review

    ensure_peer_review(apps)


def remove_peer_review(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name="Peer review").delete()
    apps.get_model("wagtailcore", "Task").objects.filter(name="Peer review").delete()
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Contributors", "Reviewers"]
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('courses', '0013_certificates_sequence'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.CreateModel(
            name='PeerReviewTaskState',
            fields=[
                ('taskstate_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.taskstate')),
                ('outcome', models.CharField(blank=True, choices=[('changes_requested', 'Changes requested'), ('rejected', 'Rejected')], default='', max_length=20, verbose_name='outcome')),
            ],
            options={
                'verbose_name': 'peer review task state',
                'verbose_name_plural': 'peer review task states',
            },
            bases=('wagtailcore.taskstate',),
        ),
        migrations.CreateModel(
            name='PeerReviewTask',
            fields=[
                ('task_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.task')),
                ('groups', models.ManyToManyField(help_text='Pages/snippets at this step in a workflow will be moderated or approved by these groups of users', to='auth.group', verbose_name='groups')),
            ],
            options={
                'verbose_name': 'peer review task',
                'verbose_name_plural': 'peer review tasks',
            },
            bases=('wagtailcore.task',),
        ),
        migrations.RunPython(create_peer_review, remove_peer_review),
    ]
