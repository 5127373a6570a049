"""Writes that belong to no single app."""

from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token


def demo_user_ensure(*, username: str) -> tuple[User, Token]:
    """Create (once) a local user with an API token, for trying the API on a fresh install."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    token, _ = Token.objects.get_or_create(user=user)
    return user, token
