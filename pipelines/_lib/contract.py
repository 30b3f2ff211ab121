"""The job-folder contract, checked on the pipeline's side.

The schema is node-schemas' PipelineRequest, written here by `npm run schemas` as
pipeline-request.schema.json (a test keeps the copy identical). This checks the JSON Schema
keywords that schema uses, with the standard library only: images carry no extra Python packages.
"""

import json
import re
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("pipeline-request.schema.json")

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def problems(value, schema, path="request"):
    """Every way `value` breaks `schema`, as 'path: reason' lines (empty when it conforms)."""
    out = []
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_TYPES[k](value) for k in kinds):
            return [f"{path}: must be {' or '.join(kinds)}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            out.append(f"{path}: must be at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{path}: must be at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: does not match {schema['pattern']}")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{path}: must be at least {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{path}: must be at most {schema['maximum']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{path}.{key}: is required")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                out.extend(problems(item, props[key], f"{path}.{key}"))
            elif extra is False:
                out.append(f"{path}.{key}: is not part of the contract")
            elif isinstance(extra, dict):
                out.extend(problems(item, extra, f"{path}.{key}"))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out.extend(problems(item, schema["items"], f"{path}[{i}]"))
    return out


def request_problems(request):
    """What is wrong with a request.json against the published contract."""
    return problems(request, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
