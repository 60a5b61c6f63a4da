"""The published API schema changes only on purpose: regenerate the committed copy with
`python manage.py spectacular --file tests/contract/openapi.yaml` when an API change is meant."""

from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).with_name("openapi.yaml")


def test_the_openapi_schema_matches_the_committed_copy(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text()
