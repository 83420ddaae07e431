"""schemathesis against the app's own OpenAPI, every check on: no server errors, no
off-schema responses, schema-invalid requests refused, and (stateful) sequences of calls
that follow the links it infers between operations.

Bounded (a few examples per operation) so it stays well under two minutes in CI.
``schemathesis.toml`` says which statuses a schema-valid request may get.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from graph import load_graph
from tests.helpers import REPO

app = create_app(load_graph(REPO, cache_dir=None), processes=0)
config = SchemathesisConfig.from_path(REPO / "schemathesis.toml")
schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()  # every check schemathesis has


Workflow = schema.as_state_machine()
TestStatefulWorkflow = Workflow.TestCase
TestStatefulWorkflow.settings = settings(SETTINGS, max_examples=10, stateful_step_count=5)
