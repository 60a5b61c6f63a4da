"""Product code never imports the benchmarks app (ARCHITECTURE.md, rule 4)."""

import ast
from pathlib import Path

from django.conf import settings

PRODUCT_PACKAGES = ("imagesearch", "gallery", "search")


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_product_code_does_not_import_benchmarks():
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for package in PRODUCT_PACKAGES
        for path in sorted((Path(settings.BASE_DIR) / package).rglob("*.py"))
        if any(name == "benchmarks" or name.startswith("benchmarks.") for name in _imported_modules(path))
    ]
    assert offenders == []
