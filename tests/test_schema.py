"""The API against its own OpenAPI document (issue 3, point 6): schemathesis generates requests,
valid and invalid, boundary values first, for every operation of ``/api/openapi.json`` and sends
them through the ASGI app on the demo database. No request may get a 500: a bad parameter is the
caller's error (4xx), never the server's.

schemathesis' pytest integration makes one test per operation from a schema it knows when the
module is collected, so the demo database is built then, in a temporary folder removed when the
run ends. (Its fixture-based loader, ``schemathesis.pytest.from_fixture``, cannot be used: its
test wrapper sets ``Node._nodeid``, which pytest 9.2 no longer has.)
"""

from __future__ import annotations

import tempfile
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import schemathesis
from demo_support import demo_database
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup

from lagebild.web import WebConfig, create_app

#: Generated requests per operation, after schemathesis' boundary cases: enough to reach every
#: parameter check, few enough that the file runs in well under a minute.
EXAMPLES = 40


class AsServed:
    """An ASGI app as uvicorn runs it: an exception that escapes a request is the 500 response
    the app has already sent (its traceback kept in ``errors``), not an exception in the client."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.errors: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            if scope["type"] != "http":
                raise
            self.errors.append(traceback.format_exc(limit=-3))


_FOLDER = tempfile.TemporaryDirectory(prefix="lagebild-schema-")  # removed at exit
APP = AsServed(create_app(WebConfig(db=demo_database(Path(_FOLDER.name)))))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case) -> None:
    seen = len(APP.errors)
    try:
        case.call_and_validate(checks=[not_a_server_error])
    except (AssertionError, FailureGroup) as failure:
        for error in APP.errors[seen:]:
            failure.add_note(f"The app raised:\n{error}")
        raise
