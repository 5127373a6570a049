"""Every way out of the API, for every kind of user: no file outside their folders shows."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indexer.access import access_grant, access_revoke
from tests.search.conftest import reindex

pytestmark = pytest.mark.django_db

# "budget" is in every folder; "hrx" sorts right after "hr" and must not ride on its rule.
TREE = {
    "hr/salaries.txt": "budget salaries pension",
    "hr/plans/hiring.txt": "budget hiring plan",
    "hrx/notes.txt": "budget notes of another team",
    "eng/roadmap.txt": "budget roadmap compiler",
}
HR = ["hr/plans/hiring.txt", "hr/salaries.txt"]
ENG = ["eng/roadmap.txt"]
EVERY = sorted(TREE)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for relative, text in TREE.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    reindex(str(root))
    return root


@pytest.fixture
def people(tree: Path, settings) -> dict[str, User]:
    """An HR member, an engineer, a user with no rule, staff, and two who just lost access."""
    settings.SEARCH_THROTTLE_RATE = settings.ANALYTICS_THROTTLE_RATE = "100000/hour"
    hr = Group.objects.create(name="hr")
    access_grant(path=str(tree / "hr"), group=hr)
    users = {
        name: User.objects.create_user(name, is_staff=name == "staff")
        for name in ["hr_member", "engineer", "outsider", "staff", "left_hr", "revoked"]
    }
    users["hr_member"].groups.add(hr)
    access_grant(path=str(tree / "eng"), user=users["engineer"])
    users["left_hr"].groups.add(hr)
    access_grant(path=str(tree / "eng"), user=users["revoked"])
    for user in users.values():
        api(user).get("/api/search/", {"q": "budget"})  # each scope is seen, and cached, once
    users["left_hr"].groups.remove(hr)
    access_revoke(path=str(tree / "eng"), user=users["revoked"])
    return users


def api(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def what_is_seen(client: APIClient, root: Path) -> dict:
    """Collect every figure and path the API shows the user about the tree, and the words of
    every snippet."""

    def search(**params) -> dict:
        body = client.get("/api/search/", {"page_size": 100} | params).json()
        for result in body["data"]:
            snippet = result["snippet"].replace("<mark>", "").replace("</mark>", "")
            snippet_words.update(snippet.split())
        return {
            "paths": sorted(r["file_path"].removeprefix(f"{root}/") for r in body["data"]),
            "total": body["metadata"]["total_results"],
        }

    snippet_words: set[str] = set()

    analytics = client.get("/api/analytics/").json()["data"]
    return {
        **{mode: search(q="budget", mode=mode) for mode in ["keyword", "semantic", "hybrid"]},
        "browse": search(),
        "one per page": client.get("/api/search/", {"q": "budget", "page_size": 1}).json()[
            "metadata"
        ]["pages"],
        "inside hr": search(q="budget", path=str(root / "hr"))["total"],
        "pending": client.get("/api/search/", {"q": "budget"}).json()["metadata"][
            "index_pending_files"
        ],
        "analytics files": analytics["files"]["total"],
        "analytics index": [analytics["index"][k] for k in ("files", "passages", "vectors")],
        "snippet words": snippet_words,
    }


def seen_as(paths: list[str], seen: dict) -> dict:
    """What a user who may see `paths` must be shown; snippets hold only words of those files
    (each file has a passage of its name and one of its text)."""
    found = {"paths": paths, "total": len(paths)}
    count = len(paths)
    words = {word for path in paths for word in [*TREE[path].split(), *_name_words(path)]}
    return {
        "keyword": found,
        "semantic": found,
        "hybrid": found,
        "browse": found,
        "one per page": max(count, 1),
        "inside hr": len([p for p in paths if p.startswith("hr/")]),
        "pending": 0,
        "analytics files": count,
        "analytics index": [count, 2 * count, 2 * count],
        "snippet words": seen["snippet words"] & words,
    }


def _name_words(path: str) -> list[str]:
    return ["tree", *path.replace("/", " ").replace(".", " ").split()]


@pytest.mark.parametrize(
    ("person", "paths"),
    [
        ("hr_member", HR),
        ("engineer", ENG),
        ("outsider", []),
        ("staff", EVERY),
        ("left_hr", []),
        ("revoked", []),
    ],
)
def test_each_user_sees_only_their_folders_everywhere(people, tree, person, paths):
    seen = what_is_seen(api(people[person]), tree)

    assert seen == seen_as(paths, seen)


def test_a_user_with_no_rule_sees_everything_when_the_default_is_all(people, tree, settings):
    settings.SEARCH_DEFAULT_ACCESS = "all"

    seen = what_is_seen(api(people["outsider"]), tree)

    assert seen == seen_as(EVERY, seen)


def test_staff_can_be_limited_to_their_rules(people, tree, settings):
    settings.ACCESS_STAFF_SEES_ALL = False
    access_grant(path=str(tree / "eng"), user=people["staff"])

    seen = what_is_seen(api(people["staff"]), tree)

    assert seen == seen_as(ENG, seen)


def test_superusers_always_see_everything(tree, settings):
    settings.ACCESS_STAFF_SEES_ALL = False
    root = User.objects.create_superuser("root")

    seen = what_is_seen(api(root), tree)

    assert seen == seen_as(EVERY, seen)
