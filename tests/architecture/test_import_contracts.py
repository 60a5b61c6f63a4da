"""The dependency rules (.importlinter) hold, and they do catch a breach: a copy of the code in
which search imports gallery's services must fail them."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PACKAGES = ("imagesearch", "accounts", "gallery", "albums", "search", "benchmarks")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=120)


def copy_of_the_code(tmp_path: Path) -> Path:
    root = tmp_path / "code"
    for package in PACKAGES:
        if (Path(settings.BASE_DIR) / package).is_dir():
            shutil.copytree(Path(settings.BASE_DIR) / package, root / package,
                            ignore=shutil.ignore_patterns("__pycache__", "offline_model", "data"))
    shutil.copy(Path(settings.BASE_DIR) / ".importlinter", root / ".importlinter")
    return root


def test_the_code_keeps_its_contracts(tmp_path):
    result = lint_imports(copy_of_the_code(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_search_importing_gallery_services_breaks_them(tmp_path):
    root = copy_of_the_code(tmp_path)
    vectors = root / "search" / "vectors.py"
    vectors.write_text(vectors.read_text() + "\nfrom gallery.services import uploads  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "search is not allowed to import gallery.services" in result.stdout


def test_a_view_importing_the_clip_encoders_breaks_them(tmp_path):
    """QUERY_ENCODING=worker keeps torch out of web processes only while the web layer reaches CLIP
    through search.query_encoding alone."""
    root = copy_of_the_code(tmp_path)
    view = root / "search" / "views" / "search.py"
    view.write_text(view.read_text() + "\nfrom search.clip import encoders  # noqa\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "only through search.query_encoding BROKEN" in " ".join(result.stdout.split())
