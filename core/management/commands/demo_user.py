from django.core.management.base import BaseCommand

from core.services import demo_user_ensure


class Command(BaseCommand):
    help = (
        "Create a local demo user with an API token, give it a new password, and print how "
        "to sign in and call the API."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, username: str, base_url: str, **options):
        user, token, password = demo_user_ensure(username=username)
        self.stdout.write(
            f"Search page: {base_url}/  (sign in as {user.username!r}, password {password})\n"
            f"Demo user {user.username!r} has API token {token.key}\n"
            f"Try:  curl -H 'Authorization: Token {token.key}' "
            f"'{base_url}/api/search/?q=password'\n"
            f"Docs: {base_url}/api/docs/   Admin: {base_url}/admin/ "
            "(python manage.py createsuperuser)"
        )
