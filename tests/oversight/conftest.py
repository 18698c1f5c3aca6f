import pytest

from schools.vocab import Role
from tests.factories import SchoolFactory, make_member

from .factories import make_campaign


@pytest.fixture
def school(db):
    return SchoolFactory(name="青禾实验学校", code="Q0001")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="远山中学", code="Q0002")


@pytest.fixture
def leader(school):
    return make_member(Role.SCHOOL_LEADER, school=school, user=None)


@pytest.fixture
def psych(school):
    return make_member(Role.PSYCH_TEACHER, school=school)


@pytest.fixture
def other_leader(other_school):
    return make_member(Role.SCHOOL_LEADER, school=other_school)


@pytest.fixture
def bureau_admin(db):
    return make_member(Role.BUREAU_ADMIN)


@pytest.fixture
def campaign(school, other_school):
    return make_campaign()
