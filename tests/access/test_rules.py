"""Access rules: granted and revoked from scripts and the admin, read into scopes, cached safely."""

import io
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection

from core.exceptions import InvalidInput
from indexer.access import (
    AccessScope,
    ScopeMemo,
    access_grant,
    access_revoke,
    access_scope,
    outermost,
)
from indexer.models import AccessRule
from tests.access.test_leak_matrix import api
from tests.factories import file_index

pytestmark = pytest.mark.django_db


def access(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("access", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ayse() -> User:
    return User.objects.create_user("ayse")


@pytest.fixture
def hr() -> Group:
    return Group.objects.create(name="hr")


def test_grant_revoke_and_list_from_the_command_line(ayse, hr):
    file_index(file_path="/srv/hr/maaşlar.txt")

    assert access("grant", "/srv/hr/", "--group", "hr") == ("Granted /srv/hr for group hr\n", "")
    assert access("grant", "/srv/eng", "--user", "ayse") == (
        "Granted /srv/eng for user ayse\n",
        "Note: no indexed file lies under /srv/eng yet.\n",
    )
    assert (
        access("grant", "/srv/hr", "--group", "hr")[0] == "Already granted: /srv/hr for group hr\n"
    )
    assert access("list") == ("/srv/eng\tuser ayse\n/srv/hr\tgroup hr\n", "")
    assert access("revoke", "/srv/eng", "--user", "ayse") == (
        "Revoked /srv/eng for user ayse\n",
        "",
    )
    assert (
        access("revoke", "/srv/eng", "--user", "ayse")[0]
        == "No such rule: /srv/eng for user ayse\n"
    )
    assert access("list", "--user", "ayse") == ("", "No access rules.\n")


def test_a_users_list_shows_the_rules_of_their_groups_too(ayse, hr):
    ayse.groups.add(hr)
    access_grant(path="/srv/hr", group=hr)
    access_grant(path="/srv/own", user=ayse)

    assert access("list", "--user", "ayse")[0] == "/srv/hr\tgroup hr\n/srv/own\tuser ayse\n"


def test_a_relative_path_names_the_folder_under_the_current_one(ayse, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    access("grant", "docs/../hr", "--user", "ayse")

    assert list(AccessRule.objects.values_list("path", flat=True)) == [f"{tmp_path}/hr"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["grant", "/srv", "--user", "nobody"], "No user is named 'nobody'."),
        (
            ["grant", "/srv", "--group", "nobody"],
            "No group is named 'nobody'; create it in the admin first.",
        ),
        (
            ["grant", "/srv", "--user", "ayse", "--group", "hr"],
            "Error: argument --group: not allowed with argument --user",
        ),
        (
            ["grant", "/srv"],
            "Error: one of the arguments --user --group is required",
        ),
    ],
)
def test_the_command_names_what_is_wrong(ayse, hr, arguments, message):
    with pytest.raises(CommandError) as raised:
        access(*arguments)

    assert str(raised.value) == message
    assert AccessRule.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("srv/hr", "Enter an absolute folder, such as /srv/files/hr."),
        (
            "/" + "a" * 5000,
            "File path is too long: path has 5001 bytes in UTF-8; the limit is 2048.",
        ),
    ],
)
def test_a_rule_needs_an_absolute_folder(ayse, path, message):
    with pytest.raises(InvalidInput) as raised:
        access_grant(path=path, user=ayse)

    assert raised.value.message == message


def test_a_rule_names_a_user_or_a_group_not_both(ayse, hr):
    with pytest.raises(InvalidInput) as raised:
        access_grant(path="/srv", user=ayse, group=hr)

    assert raised.value.message == "Name a user or a group, not both."


def test_scopes_hold_the_outermost_folders_of_the_users_and_their_groups_rules(ayse, hr):
    ayse.groups.add(hr)
    access_grant(path="/srv/hr", group=hr)
    access_grant(path="/srv/hr/payroll", user=ayse)
    access_grant(path="/srv/hrx", user=ayse)
    access_grant(path="/srv/eng", group=Group.objects.create(name="eng"))

    assert access_scope(ayse) == AccessScope(("/srv/hr", "/srv/hrx"))


def test_outermost_folders_cover_what_lies_below_them_and_nothing_beside():
    assert outermost({"/a/b", "/a", "/a b", "/ab/c", "/ab"}) == ("/a", "/a b", "/ab")
    assert outermost({"/", "/srv"}) == ("/",)


def test_a_scope_allows_its_folders_and_what_lies_below_them():
    scope = AccessScope(("/srv/hr",))

    assert [scope.allows(p) for p in ["/srv/hr", "/srv/hr/a.txt", "/srv/hrx/a.txt", "/srv"]] == [
        True,
        True,
        False,
        False,
    ]


def test_equal_scopes_share_a_cache_key_and_others_never():
    assert AccessScope(("/a",)).key == AccessScope(("/a",)).key
    assert len({AccessScope(("/a",)).key, AccessScope(("/b",)).key, AccessScope(()).key}) == 3
    assert AccessScope(None).key == "all"


def test_a_change_made_elsewhere_applies_within_the_check_interval(ayse, settings):
    settings.INDEX_CHECK_INTERVAL = 0.3
    memo = ScopeMemo()
    access_grant(path="/srv/hr", user=ayse)
    assert memo.of(ayse) == AccessScope(("/srv/hr",))
    with connection.cursor() as cursor:  # as another process would: no signal reaches us
        cursor.execute("DELETE FROM access_rule")

    assert memo.of(ayse) == AccessScope(("/srv/hr",))
    time.sleep(0.35)
    assert memo.of(ayse) == AccessScope(())


def test_a_change_made_in_this_process_applies_at_once(ayse, hr, settings):
    from indexer.access import scopes

    settings.INDEX_CHECK_INTERVAL = 60
    access_grant(path="/srv/hr", group=hr)
    assert scopes.of(ayse) == AccessScope(())
    ayse.groups.add(hr)
    assert scopes.of(ayse) == AccessScope(("/srv/hr",))
    access_revoke(path="/srv/hr", group=hr)
    assert scopes.of(ayse) == AccessScope(())


def test_cached_pages_are_shared_within_a_scope_and_never_across(tmp_path: Path, settings):
    from tests.search.conftest import reindex

    settings.SEARCH_THROTTLE_RATE = "1000/hour"
    for folder in ["hr", "eng"]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plan.txt").write_text("budget plan")
    reindex(str(tmp_path))
    hr, eng = Group.objects.create(name="hr"), Group.objects.create(name="eng")
    access_grant(path=str(tmp_path / "hr"), group=hr)
    access_grant(path=str(tmp_path / "eng"), group=eng)
    ayse, mehmet, zeynep = (User.objects.create_user(n) for n in ["ayse", "mehmet", "zeynep"])
    ayse.groups.add(hr)
    mehmet.groups.add(hr)
    zeynep.groups.add(eng)

    def search(user: User) -> tuple[bool, list[str]]:
        body = api(user).get("/api/search/", {"q": "budget"}).json()
        return body["metadata"]["cached"], [r["file_path"] for r in body["data"]]

    assert search(ayse) == (False, [f"{tmp_path}/hr/plan.txt"])
    assert search(mehmet) == (True, [f"{tmp_path}/hr/plan.txt"])
    assert search(zeynep) == (False, [f"{tmp_path}/eng/plan.txt"])
    mehmet.groups.remove(hr)
    assert search(mehmet) == (False, [])
