"""``schools`` is the ground floor: none of its modules imports a feature app.

Every module under ``schools/`` (migrations and commands included) is parsed, and every
``import`` / ``from … import`` in it — at module level or inside a function — is checked.
What another app adds to a change of roles reaches schools through ``schools.hooks``.
"""

import ast
from pathlib import Path

import pytest

FEATURE_APPS = {"screening", "duty", "oversight", "courses", "resources", "search"}
SCHOOLS = Path(__file__).resolve().parents[2] / "schools"
MODULES = sorted(SCHOOLS.rglob("*.py"))


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append((node.lineno, node.args[0].value))
    return names


def test_the_modules_are_found():
    names = {p.relative_to(SCHOOLS).as_posix() for p in MODULES}
    assert {"models.py", "services.py", "calendar.py", "audit.py", "hooks.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(SCHOOLS).as_posix())
def test_schools_imports_no_feature_app(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    wrong = [
        f"{path.relative_to(SCHOOLS.parent)}:{line} imports {name}"
        for line, name in _imported(tree)
        if name.split(".")[0] in FEATURE_APPS
    ]
    assert not wrong, "schools/ must not import a feature app:\n" + "\n".join(wrong)


def test_the_check_sees_imports_inside_functions():
    source = "def f():\n    from screening.selectors import in_case_group\n"
    assert _imported(ast.parse(source)) == [(2, "screening.selectors")]
