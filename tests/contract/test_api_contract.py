"""The API keeps its OpenAPI contract (/api/schema/). Schemathesis generates valid and invalid requests
for every operation, and every answer must pass its checks: no 5xx, only documented status codes and
content types, bodies that match the documented schemas, invalid input refused with a 4xx, and no
answer without authentication where the schema asks for it.

The requests go in process to Django's WSGI handler, inside the test's transaction, with the DRF
token of a (staff) user whose gallery has a few processed, automatically tagged photos. Generated
photo ids, tag names, words, boxes, files and credentials are often swapped for real ones, so the
success paths are checked too, not only the 400s and 404s. Each request runs in a savepoint that is
rolled back: a generated delete or upload does not change what the next request sees.

`test_every_operation_keeps_the_contract` is the long run (marker `slow`, `bash scripts/test_slow.sh`);
`test_read_operations_keep_the_contract` is a quick, deterministic smoke run of the GET operations in
the default suite."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.transport.serialization import Binary

from search.models import PhotoTag
from search.services.tag_edits import photo_tag_add
from tests import images
from tests.factories import PASSWORD, api_token_factory, photo_factory, ready_photo_factory

SCHEMA_URL = "/api/schema/"
BOXES = [[0.0, 0.0, 1.0, 1.0], [0.1, 0.2, 0.6, 0.9]]
# Path values no tag or GloVe word has, tried explicitly too: a NUL (PostgreSQL text cannot hold
# one) and a long phrase.
ODD_NAMES = ["nul\x00name", "a rather long phrase " * 10]
# Schema-valid data the API can still refuse with a documented 400 (an image too small, a tag with
# punctuation, an empty box): "valid by the schema, so accepted" does not hold here.
EXCLUDED_CHECKS = ["positive_data_acceptance"]


class InTransactionApp:
    """Django's WSGI handler, each request in a savepoint of the test's transaction that is rolled
    back after the answer is read."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        with transaction.atomic():
            response = self.handler(environ, start_response)
            body = list(response)  # read streamed files while the savepoint is open
            response.close()
            transaction.set_rollback(True)
        return body


@pytest.fixture
def gallery(user, other_user, vocabulary):
    photos = [ready_photo_factory(owner=user, data=images.jpeg(96, 72, seed=700 + i), name=f"contract-{i}.jpg")
              for i in range(3)]
    # Generated images may get no automatic tag from the offline model: an owner's tag makes sure
    # the tag endpoints have names to answer for.
    photo_tag_add(photo=photos[0], name="harbour")
    tags = sorted(set(PhotoTag.objects.filter(photo__in=photos, hidden=False).values_list("name", flat=True)))
    user.is_staff = True  # the staff-only re-index endpoints answer too
    user.save(update_fields=["is_staff"])
    with photos[0].original.open("rb") as handle:
        known = handle.read()
    return {
        "token": api_token_factory(user=user, name="contract"), "username": user.username, "tags": tags,
        # another user's photo: always a 404
        "ids": [p.pk for p in photos] + [photo_factory(owner=other_user).pk],
        # upload and search bodies: a photo already in the gallery (a duplicate) and a new image
        "images": [known, images.jpeg(80, 60, seed=799)],
    }


@pytest.fixture
def api_schema(gallery):
    # As Django's test client does: keep the test's connection (and transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, InTransactionApp())
        schema.config.checks.update(excluded_check_names=EXCLUDED_CHECKS)
        _bias_toward_real_data(schema, gallery)
        _leave_out_lenient_spellings(schema)
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bias_toward_real_data(schema, gallery) -> None:  # noqa: C901 - one walk over the schema's parameters
    """Half of the generated values stay as generated; the others become real ones. Only well-typed
    values are swapped, so a negative (invalid) case stays invalid."""
    ids, tags = gallery["ids"], gallery["tags"]
    files = st.sampled_from([Binary(data) for data in gallery["images"]])

    def half_real(values: dict, real: dict):
        if not real:
            return st.just(values)
        return st.one_of(st.just(values), st.fixed_dictionaries(real).map(lambda swap: {**values, **swap}))

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not isinstance(path_parameters, dict):
            return st.just(path_parameters)
        real = {}
        if _is_int(path_parameters.get("photo_id")):
            real["photo_id"] = st.sampled_from(ids)
        if isinstance(path_parameters.get("name"), str):
            real["name"] = st.sampled_from(tags + ODD_NAMES)
        if isinstance(path_parameters.get("word"), str):
            real["word"] = st.sampled_from(tags + ["dog", "beach sunset"] + ODD_NAMES)
        return half_real(path_parameters, real)

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict):
            return st.just(body)
        real = {}
        if _is_int(body.get("photo_id")) and body["photo_id"] >= 1:
            real["photo_id"] = st.sampled_from(ids)
        box = body.get("box")
        if isinstance(box, list) and len(box) == 4 and all(isinstance(value, float) for value in box):
            real["box"] = st.sampled_from(BOXES)
        if isinstance(body.get("file"), Binary):
            real["file"] = files
        upload = body.get("files")
        if isinstance(upload, list) and upload and all(isinstance(file, Binary) for file in upload):
            real["files"] = st.lists(files, min_size=1, max_size=2)
        if all(isinstance(body.get(key), str) and body[key] for key in ("username", "password")):
            real["username"], real["password"] = st.just(gallery["username"]), st.just(PASSWORD)
        return half_real(body, real)


def _leave_out_lenient_spellings(schema) -> None:
    @schema.hook
    def filter_case(context, case):
        """Query strings and form bodies are text, which DRF reads leniently by design: an empty value
        is "not given" (for query parameters the schema says so with `allowEmptyValue`) and "30.0"
        is 30. A negative case there may be invalid only in such a spelling, so it is left out."""
        if case.meta is None or case.meta.generation.mode is not GenerationMode.NEGATIVE:
            return True
        texts = [case.query] if case.meta.is_negative_at("query") else []
        if case.meta.is_negative_at("body") and case.media_type != "application/json":
            texts.append(case.body)
        if any(_read_leniently(value) for text in texts if isinstance(text, dict) for value in text.values()):
            return False
        return not (case.meta.is_negative_at("query") and not case.meta.is_negative_at("body")
                    and _query_is_valid_as_read(case))


def _query_is_valid_as_read(case) -> bool:
    """Whether the query, read as the server reads the text on the wire, is valid after all. A query
    string has no types: 0.2 where a list is expected arrives as "0.2", a list of one; {} where a
    string is expected arrives as the string "{}". Schemathesis allows for such a mutation alone,
    not for two of them in one case."""
    if not isinstance(case.query, dict):
        return False
    parameters = case.operation.get_parameter_set(ParameterLocation.QUERY)
    properties = parameters.schema.get("properties", {})
    read = {}
    for name, value in case.query.items():
        texts = [_as_text(item) for item in value] if isinstance(value, list) else [_as_text(value)]
        declared = _declared_types(properties.get(name, {}))
        if "array" in declared:
            read[name] = texts
        elif "string" in declared and len(texts) == 1:
            read[name] = texts[0]
        else:
            read[name] = value  # DRF parses numbers and booleans back from their text
    return parameters.get_strict_validator().is_valid(read)


def _declared_types(schema: dict) -> set[str]:
    """The types a parameter's schema names, also inside the anyOf that `allowEmptyValue` adds."""
    branches = [schema, *schema.get("anyOf", [])]
    return {branch["type"] for branch in branches if isinstance(branch.get("type"), str)}


def _as_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _read_leniently(value) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        return value.strip() == "" or re.fullmatch(r"\s*[-+]?\d+\.0*\s*", value) is not None
    return isinstance(value, list | dict) and not value


def _explicit_cases(operation, gallery) -> list:
    """Cases the generator seldom makes: each odd value as the `name` or `word` path parameter."""
    names = set(re.findall(r"{(\w+)}", operation.path))
    odd = [name for name in ("name", "word") if name in names]
    real = {"photo_id": gallery["ids"][0]} if "photo_id" in names else {}
    return [operation.Case(path_parameters={**real, **{name: value for name in odd}})
            for value in ODD_NAMES] if odd else []


def _check_contract(schema, gallery, *, max_examples: int, methods: set[str] | None = None,
                    derandomize: bool = False) -> None:
    """Each selected operation with valid and with invalid data; all failures are reported at the end."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if methods and operation.method.upper() not in methods:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            def call(case):
                case.call_and_validate(headers={"Authorization": f"Token {gallery['token']}"})

            run = given(case=operation.as_strategy(generation_mode=mode))(call)
            for case in _explicit_cases(operation, gallery) if mode is GenerationMode.POSITIVE else []:
                run = example(case=case)(run)
            run = settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize,
                           report_multiple_bugs=False, suppress_health_check=list(HealthCheck))(run)
            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # no parameters to make invalid
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis reports check failures as a group
                notes = "\n".join(getattr(exc, "__notes__", ()))  # Hypothesis: the falsifying example
                failures.append(f"{operation.label} ({mode.value} data): {exc}\n{notes}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
def test_every_operation_keeps_the_contract(api_schema, gallery):
    _check_contract(api_schema, gallery, max_examples=100)


def test_read_operations_keep_the_contract(api_schema, gallery):
    _check_contract(api_schema, gallery, max_examples=10, methods={"GET"}, derandomize=True)
