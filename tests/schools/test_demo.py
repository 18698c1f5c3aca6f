from django.core.management import call_command

from accounts.models import User
from schools.models import Membership, School, Student
from schools.selectors import schools_without_psych_teacher
from schools.vocab import Role


def test_load_demo_is_idempotent_and_complete(db):
    call_command("load_demo", verbosity=0)
    counts = (School.objects.count(), Membership.objects.count(), Student.objects.count())
    call_command("load_demo", verbosity=0)
    assert (School.objects.count(), Membership.objects.count(), Student.objects.count()) == counts
    assert School.objects.count() == 12
    assert 1800 <= Student.objects.count() <= 2300
    assert set(School.objects.values_list("kind", flat=True)) >= {
        "kindergarten",
        "primary",
        "junior",
        "senior",
        "vocational",
        "nine_year",
        "twelve_year",
    }
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    for username in [r.value for r in Role]:
        user = User.objects.get(username=username)
        assert user.check_password("xinyu-demo")
    admin = User.objects.get(username="bureau_admin")
    lacking = set(schools_without_psych_teacher(user=admin).values_list("code", flat=True))
    assert lacking == {"X0111", "X0112"}
