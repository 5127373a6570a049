import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import DizinError
from indexer.access import access_grant, access_revoke, access_rules
from indexer.crawler import display_path
from indexer.selectors import file_index_within


class Command(BaseCommand):
    help = "Grant, revoke or list who may find the files under a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        for name, summary in [
            ("grant", "let a user or a group find the files under PATH"),
            ("revoke", "take a user's or a group's rule for PATH away"),
        ]:
            action = actions.add_parser(name, help=summary, description=summary)
            action.add_argument("path", metavar="PATH", help="a folder (relative: to here)")
            _holder_arguments(action, required=True)
        listing = actions.add_parser("list", help="list the rules", description="list the rules")
        _holder_arguments(listing, required=False)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user, group = _user(options["user"]), _group(options["group"])
        if action == "list":
            self._list(user, group)
            return
        path = display_path(os.path.abspath(options["path"]))
        holder = f"user {user.get_username()}" if user else f"group {group}"
        try:
            if action == "grant":
                changed = access_grant(path=path, user=user, group=group)
                done = "Granted" if changed else "Already granted:"
            else:
                changed = access_revoke(path=path, user=user, group=group)
                done = "Revoked" if changed else "No such rule:"
        except DizinError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{done} {path} for {holder}")
        if action == "grant" and not file_index_within([path]).exists():
            self.stderr.write(f"Note: no indexed file lies under {path} yet.")

    def _list(self, user, group) -> None:
        rules = access_rules(user=user, group=group)
        for rule in rules:
            holder = f"user {rule.user.get_username()}" if rule.user else f"group {rule.group}"
            self.stdout.write(f"{rule.path}\t{holder}")
        if not rules:
            self.stderr.write("No access rules.")


def _holder_arguments(parser: CommandParser, *, required: bool) -> None:
    holder = parser.add_mutually_exclusive_group(required=required)
    holder.add_argument("--user", metavar="NAME", help="a user's username")
    holder.add_argument("--group", metavar="NAME", help="a group's name")


def _user(name: str | None):
    if name is None:
        return None
    model = get_user_model()
    try:
        return model.objects.get_by_natural_key(name)
    except model.DoesNotExist:
        raise CommandError(f"No user is named {name!r}.") from None


def _group(name: str | None) -> Group | None:
    if name is None:
        return None
    try:
        return Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise CommandError(f"No group is named {name!r}; create it in the admin first.") from None
