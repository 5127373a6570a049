"""Access rules in the admin, and a limited staff member's view of the file index."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from indexer.access import access_grant
from indexer.models import AccessRule
from tests.factories import file_index

pytestmark = pytest.mark.django_db
ADD_RULE = "/admin/indexer/accessrule/add/"


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_a_rule_added_in_the_admin_is_kept_as_a_normal_folder(superuser_client):
    hr = Group.objects.create(name="hr")

    response = superuser_client.post(ADD_RULE, {"path": "/srv//hr/", "group": hr.pk})

    assert response.status_code == 302
    assert list(AccessRule.objects.values_list("path", "group__name")) == [("/srv/hr", "hr")]


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        ({"path": "srv/hr", "group": "hr"}, ["Enter an absolute folder, such as /srv/files/hr."]),
        ({"path": "/srv/it", "group": "hr", "user": "root"}, ["Name a user or a group, not both."]),
        ({"path": "/srv/hr"}, ["Name a user or a group, not both."]),
        ({"path": "/srv/hr/", "group": "hr"}, ["This group already has a rule for this folder."]),
    ],
)
def test_the_admin_says_what_is_wrong_with_a_rule(superuser_client, form, errors):
    hr = Group.objects.create(name="hr")
    access_grant(path="/srv/hr", group=hr)
    ids = {"group": hr.pk, "user": User.objects.get(username="root").pk}
    data = {key: ids.get(key, value) if key in ids else value for key, value in form.items()}

    response = superuser_client.post(ADD_RULE, data)

    assert response.status_code == 200
    assert [error for field in response.context["errors"] for error in field] == errors
    assert AccessRule.objects.count() == 1


def test_staff_limited_to_their_rules_list_only_their_files(client, settings):
    settings.ACCESS_STAFF_SEES_ALL = False
    editor = User.objects.create_user("editor", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename="view_fileindex"))
    access_grant(path="/srv/eng", user=editor)
    file_index(file_path="/srv/eng/roadmap.txt")
    hidden = file_index(file_path="/srv/hr/salaries.txt")
    client.force_login(editor)

    page = client.get("/admin/indexer/fileindex/").content.decode()

    assert ("/srv/eng/roadmap.txt" in page, "/srv/hr/salaries.txt" in page) == (True, False)
    assert client.get(f"/admin/indexer/fileindex/{hidden.pk}/change/").status_code == 302
