"""Dependencies point one way: the domain never imports Flask or the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask

from foiatrack import PROJECT_ROOT

FORBIDDEN_IN_DOMAIN = (
    "flask",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "foiatrack.web",
    "foiatrack.extensions",
    "foiatrack.cli",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_does_not_import_flask_or_web() -> None:
    offenders = []
    for path in (PROJECT_ROOT / "foiatrack" / "domain").rglob("*.py"):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_DOMAIN):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)} imports {name}")
    assert offenders == []


def test_every_state_changing_view_declares_a_role(app: Flask) -> None:
    from foiatrack.web.security import SELF_SERVICE_ENDPOINTS

    undeclared = []
    for rule in app.url_map.iter_rules():
        if not (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}:
            continue
        if rule.endpoint in SELF_SERVICE_ENDPOINTS | {"auth.login"}:
            continue
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "required_role"):
            undeclared.append(rule.endpoint)
    assert undeclared == []
