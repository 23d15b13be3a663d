from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """Django's makemessages without fuzzy matching: a guessed translation of a similar string
    ("Page %(number)s of %(total)s" for "Slide %(n)s of %(m)s") is worse than none."""

    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
