"""The capability table (``schools/access.py``) against design.md's role table, row by row,
and the rule that role names live only in the table, the vocabulary and tests."""

import ast
import pathlib

import pytest

from schools import access
from schools.access import Bureau, Reach
from schools.vocab import Role

ROOT = pathlib.Path(__file__).resolve().parents[2]

# design.md, "Roles (Membership.role) and what they reach", transcribed cell by cell into the
# capabilities that carry each cell. (role, capability) → the reach the cell grants, or None
# for "—". Bureau rows name the bureau level instead.
SA, SL, GL, PT, CT, T = (
    Role.SCHOOL_ADMIN,
    Role.SCHOOL_LEADER,
    Role.GRADE_LEADER,
    Role.PSYCH_TEACHER,
    Role.CLASS_TEACHER,
    Role.TEACHER,
)
SCHOOL_ROWS = {
    # content: "own school's pages" for school admin / leader, "—" for the rest
    "portal.content.edit_school": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: None,
        PT: None,
        CT: None,
        T: None,
    },
    # school records: own school / own grade / own school / own class / self
    "schools.class.read": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: Reach.GRADE,
        PT: Reach.SCHOOL,
        CT: Reach.CLASS,
        T: None,
    },
    "schools.student.read": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: Reach.GRADE,
        PT: Reach.SCHOOL,
        CT: Reach.CLASS,
        T: None,
    },
    # screening: summaries (admin, leader), leaders see 重点/危机 cases, grade leader the
    # concerns and warnings of the grade, psychology teacher the school's records, class
    # teacher raises concerns and sees a follow-up flag (no scores), teacher nothing
    "screening.figures.read": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: None,
        PT: Reach.SCHOOL,
        CT: None,
        T: None,
    },
    "screening.result.read": {
        SA: None,
        SL: Reach.SERIOUS,
        GL: None,
        PT: Reach.SCHOOL,
        CT: None,
        T: None,
    },
    "screening.warning.read": {
        SA: None,
        SL: Reach.SERIOUS,
        GL: Reach.GRADE,
        PT: Reach.SCHOOL,
        CT: Reach.OWN,
        T: None,
    },
    # School leaders and grade leaders work the warnings they see (the issue "Records that
    # work in practice"); only a leader signs off closing a 危机.
    "screening.warning.write": {
        SA: None,
        SL: Reach.SERIOUS,
        GL: Reach.GRADE,
        PT: Reach.SCHOOL,
        CT: None,
        T: None,
    },
    "screening.warning.signoff": {
        SA: None,
        SL: Reach.SERIOUS,
        GL: None,
        PT: None,
        CT: None,
        T: None,
    },
    "screening.concern.raise": {
        SA: None,
        SL: Reach.SCHOOL,
        GL: Reach.GRADE,
        PT: Reach.SCHOOL,
        CT: Reach.CLASS,
        T: None,
    },
    "screening.flags.read": {SA: None, SL: None, GL: None, PT: None, CT: Reach.CLASS, T: None},
    # incidents: own school (admin, leader), report (grade leader, class teacher, teacher),
    # read own school (psychology teacher)
    "duty.incident.handle": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: None,
        PT: None,
        CT: None,
        T: None,
    },
    "duty.incident.read": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: Reach.OWN,
        PT: Reach.SCHOOL,
        CT: Reach.OWN,
        T: Reach.OWN,
    },
    "duty.incident.report": {
        SA: Reach.SCHOOL,
        SL: Reach.SCHOOL,
        GL: Reach.SCHOOL,
        PT: Reach.SCHOOL,
        CT: Reach.SCHOOL,
        T: Reach.SCHOOL,
    },
}
# Bureau rows: "edit all" content; school records of all schools (admin writes, auditor reads),
# students as counts only; screening aggregates only (+ access logs for the auditor);
# incidents all schools (admin) / read all (auditor).
BUREAU_ROWS = {
    "portal.content.edit_all": Bureau.ADMIN,
    "schools.class.read": Bureau.READ,
    "schools.records.write": Bureau.ADMIN,
    "schools.student.read": Bureau.NONE,
    "schools.student.write": Bureau.NONE,
    "screening.figures.read": Bureau.READ,
    "screening.result.read": Bureau.NONE,
    "screening.warning.read": Bureau.NONE,
    "screening.accesslog.read": Bureau.READ,
    "schools.accesslog.export": Bureau.AUDIT,
    "duty.incident.read": Bureau.READ,
    "duty.incident.handle": Bureau.ADMIN,
}


@pytest.mark.parametrize("cap", sorted(SCHOOL_ROWS))
def test_school_roles_match_the_design_table(cap):
    capability = access.capability(cap)
    for role, reach in SCHOOL_ROWS[cap].items():
        assert capability.reach_of(role) == reach, (cap, role)


@pytest.mark.parametrize("cap", sorted(BUREAU_ROWS))
def test_bureau_access_matches_the_design_table(cap):
    assert access.capability(cap).bureau == BUREAU_ROWS[cap]


def test_every_capability_is_well_formed():
    assert len(access.CAPABILITIES) >= 45
    for name, cap in access.CAPABILITIES.items():
        assert name.count(".") >= 1 and name == cap.name
        assert cap.label, name
        assert set(cap.roles) <= set(Role) - set(access.BUREAU_ROLES), name
        assert all(isinstance(r, Reach) for r in cap.roles.values()), name
        assert cap.roles or cap.bureau != Bureau.NONE, f"{name}: nobody holds it"


def test_students_never_reach_the_bureau():
    """design.md: the bureau sees students as counts only."""
    for name, cap in access.CAPABILITIES.items():
        if name.startswith(
            ("schools.student.", "screening.result.", "screening.warning.", "screening.case.")
        ):
            assert cap.bureau == Bureau.NONE, name


def test_unknown_capability_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        access.capability("screening.nothing")


# --- role names live in the table, the vocabulary and tests only --------------------------

ALLOWED = {
    "schools/access.py",  # the capability table
    "schools/vocab.py",  # the role vocabulary
}


def _is_exempt(rel: str) -> bool:
    parts = pathlib.PurePosixPath(rel).parts
    name = parts[-1]
    return (
        rel in ALLOWED
        or parts[0] in {"tests", "bench", ".venv", "scripts"}
        or "migrations" in parts
        # Demo data build the demo city's staff: who holds which role is their content.
        or "demo" in name
        or "demo" in parts[:-1]
    )


def _role_names_in(path: pathlib.Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set(Role.names)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Role"
            and node.attr in names
        ):
            found.append(f"{node.lineno}: Role.{node.attr}")
        if isinstance(node, ast.Constant) and node.value in set(Role.values) - {"teacher"}:
            # a role's stored value spelled out, e.g. "school_admin" ("teacher" is also a
            # plain word of other vocabularies: audiences, field names)
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_role_names_only_in_the_table_and_vocabulary():
    offenders = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if _is_exempt(rel):
            continue
        found = _role_names_in(path)
        if found:
            offenders[rel] = found
    assert not offenders, "\n".join(f"{k}: {v}" for k, v in offenders.items())
