"""The rules of the code's structure that reviewers would otherwise have to remember."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "marketplace"
FEATURES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "core")


def imported_packages(path: Path) -> set[str]:
    """The marketplace sub-packages a module imports (relative or absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = path.relative_to(PACKAGE).parts[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").startswith("marketplace."):
                found.add(node.module.split(".")[1])
            elif node.level == 2 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 2:
                found.update(alias.name for alias in node.names)
            elif node.level == 1 and path.parent == PACKAGE:
                found.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("marketplace."))
    return found - {own}


def modules_of(package: str):
    return sorted((PACKAGE / package).rglob("*.py"))


@pytest.mark.parametrize("package", [f for f in FEATURES if f != "notifications"])
def test_no_feature_imports_notifications(package):
    """Features announce through signals.py; notifications subscribes (adding a notice never edi"
    "ts a feature)."""
    offenders = [m.name for m in modules_of(package) if "notifications" in imported_packages(m)]
    assert offenders == []


def test_core_imports_no_feature_package():
    offenders = {m.name: imported_packages(m) & set(FEATURES) for m in modules_of("core")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_matching_lists_no_feature_models():
    """Features register what they index; the search layer knows none of them."""
    feature_models = {"platforms", "offerings", "demands", "accounts"}
    offenders = {m.name: imported_packages(m) & feature_models for m in modules_of("matching")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_api_and_admin_keep_only_what_is_theirs():
    """Endpoints, schemas and admin pages live in their features; api/ and admin/ know no feature."""
    feature_names = set(FEATURES) - {"api", "admin", "accounts"}
    for package in ("api", "admin"):
        offenders = {m.name: imported_packages(m) & feature_names for m in modules_of(package)}
        assert {name: found for name, found in offenders.items() if found} == {}, package


STATE_LITERAL = re.compile(r"""(status|role)\s*(==|!=|in)\s*[\('"]""")


def test_templates_compare_no_state_or_role_strings():
    """Templates ask the model (`is_public`, `can_submit` …) or the workflow, never repeat a state name."""
    offenders = [
        f"{p.relative_to(ROOT)}: {line.strip()}"
        for p in (ROOT / "templates").rglob("*.html")
        for line in p.read_text(encoding="utf-8").splitlines()
        if STATE_LITERAL.search(line)
    ]
    assert offenders == []


def test_links_are_never_built_from_the_whole_query_string():
    """`url_for(…, **request.args)` lets `?endpoint=`, `?_method=`, `?_scheme=` steer it: templates use
    `query_url(endpoint, keep, …)` with the page's own parameter names."""
    whole_query = re.compile(r"request\.args\.(to_dict|items|keys|values)\(|\*\*\s*request\.args")
    offenders = [
        f"{p.relative_to(ROOT)}: {line.strip()}"
        for p in (ROOT / "templates").rglob("*.html")
        for line in p.read_text(encoding="utf-8").splitlines()
        if whole_query.search(line)
    ]
    assert offenders == []


def _classes_defined_in(package_glob: str):
    import importlib
    import inspect

    for path in sorted(PACKAGE.glob(package_glob)):
        module = importlib.import_module(
            "marketplace." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        )
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                yield cls


def test_every_api_schema_applies_the_shared_input_rules():
    """Chinese messages, no NUL, integers within the database's range: all from `ApiSchema`."""
    from marshmallow import Schema

    from marketplace.api.schemas import ApiSchema

    schemas = [cls for cls in _classes_defined_in("*/*schemas.py") if issubclass(cls, Schema)]
    assert len(schemas) > 10
    assert [cls.__name__ for cls in schemas if not issubclass(cls, ApiSchema)] == []


def test_every_form_applies_the_shared_input_rules():
    from flask_wtf import FlaskForm

    from marketplace.core.forms import Form

    forms = [cls for cls in _classes_defined_in("*/*forms.py") if issubclass(cls, FlaskForm)]
    assert len(forms) > 8
    assert [cls.__name__ for cls in forms if not issubclass(cls, Form)] == []
