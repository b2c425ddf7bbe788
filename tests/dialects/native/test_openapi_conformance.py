"""Every operation of the native OpenAPI document, driven by schemathesis from the document
itself: no answer is a server error, and every answer matches the status codes, content types
and bodies the document declares (errors included)."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_native_operation_answers_as_documented(app, workspace):
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25  # the whole document, not a corner of it

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {workspace.api_key}"}
            case.call_and_validate(checks=CHECKS)

        answers_as_documented()
