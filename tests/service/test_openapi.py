"""The OpenAPI document: generated from the attrs classes, it names every command by its
wire tag, and what travels on the wire (the scenario's commands, the service's answers)
validates against it."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from typing import Any

import jsonschema
import pytest

from prodcore.app import HANDLERS
from prodcore.commands import WIRE_TAGS, Command, PutMasterData
from prodcore.errors import InvalidValueError
from prodcore.masterdata import Item
from prodcore.scenario import load_scenario
from prodcore.serialization import loads, to_jsonable
from prodcore.service.openapi import COMMANDS, openapi_document
from prodcore.service.schema import REF_PREFIX, json_schemas, schema_of

DOC = openapi_document()


def validator(schema: Any) -> Any:
    """A validator of ``schema`` whose references resolve in the OpenAPI document."""
    return jsonschema.Draft202012Validator({**DOC, **schema})


def request_schema(tag: str) -> Any:
    body = DOC["paths"][f"/commands/{tag}"]["post"]["requestBody"]
    return body["content"]["application/json"]["schema"]


def test_every_command_has_an_operation_at_its_wire_tag() -> None:
    assert set(COMMANDS) == {WIRE_TAGS[cls] for cls in HANDLERS}
    for tag, cls in COMMANDS.items():
        schema = DOC["components"]["schemas"][cls.__name__]
        assert request_schema(tag) == {"$ref": REF_PREFIX + cls.__name__}
        assert schema["properties"]["type"] == {"const": tag}
        assert DOC["paths"][f"/commands/{tag}"]["post"]["operationId"] == tag


def test_the_command_union_is_a_discriminated_one_of_its_wire_tags() -> None:
    union = schema_of(Command, {})
    assert union["discriminator"]["mapping"] == {
        tag: REF_PREFIX + cls.__name__ for tag, cls in COMMANDS.items()
    }


def _scenario() -> Any:
    text = resources.files("prodcore").joinpath("examples/bicycle.json").read_text("utf-8")
    return load_scenario(text)


def test_the_scenarios_commands_validate_against_their_schemas() -> None:
    scenario = _scenario()
    for step in scenario.steps:
        data = to_jsonable(step.command)
        validator(request_schema(data["type"])).validate(data)
    put = to_jsonable(PutMasterData(scenario.master_data, setup=scenario.setup))
    validator(request_schema("masterdata.put")).validate(put)
    assert loads(put, Command) == PutMasterData(scenario.master_data, setup=scenario.setup)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"quantity": 5.5}, "a float"),
        ({"quantity": "five"}, "not a decimal"),
        ({"colour": "red"}, "an unknown field"),
        ({"type": "order.delete"}, "another tag"),
        ({"status": "DONE"}, "an unknown status"),
    ],
)
def test_the_schema_refuses_what_the_service_refuses(change: dict[str, Any], reason: str) -> None:
    body = {
        "type": "order.create",
        "order_id": "PO-1",
        "item_no": "A",
        "quantity": "5",
        "due_date": "2026-03-09",
        **change,
    }
    assert not validator(request_schema("order.create")).is_valid(body), reason
    with pytest.raises(InvalidValueError):
        loads(body, Command)


def test_a_secured_document_asks_for_the_api_key() -> None:
    secured = openapi_document(secured=True)
    assert secured["security"] == [{"ApiKey": []}]
    assert secured["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
    assert "security" not in DOC


def test_the_document_is_json_and_its_references_resolve() -> None:
    text = json.dumps(DOC)
    refs = {part.split('"')[0] for part in text.split('"$ref": "')[1:]}
    assert refs and all(r.removeprefix(REF_PREFIX) in DOC["components"]["schemas"] for r in refs)
    jsonschema.Draft202012Validator.check_schema({"$defs": DOC["components"]["schemas"]})


def test_the_generator_refuses_a_type_it_cannot_describe() -> None:
    with pytest.raises(InvalidValueError):
        json_schemas([complex])


def test_an_item_schema_says_what_is_required_and_the_defaults() -> None:
    item = json_schemas([Item])["Item"]
    assert item["required"] == ["type", "no", "base_unit"]
    assert item["properties"]["blocked"] == {"type": "boolean", "default": False}
    assert item["additionalProperties"] is False


def test_importing_prodcore_and_the_schemas_needs_no_web_framework() -> None:
    code = (
        "import sys, prodcore, prodcore.cli, prodcore.service.openapi; "
        "print([m for m in ('starlette', 'uvicorn') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
