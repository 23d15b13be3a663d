from django.core.management.base import BaseCommand

from courses.demo_content import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load the demo site: courses, theory articles and demo users. Safe to run twice."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))
        self.stdout.write("Demo logins (user / password):")
        for username, password, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:8} / {password:15} ({role})")
