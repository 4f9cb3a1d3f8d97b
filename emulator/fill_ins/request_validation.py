"""AWS request validation for operations moto accepts unchecked: required
members, enum values, lengths, numeric ranges and patterns, read from the
service model botocore ships (the same model the AWS SDKs are generated from),
and reported the way AWS reports them, every violation at once:

    2 validation errors detected: Value null at 'transformOutput' failed to
    satisfy constraint: Member must not be null; Value '0' at
    'transformResources.instanceCount' failed to satisfy constraint: Member
    must have value greater than or equal to 1

Member paths are lower camel case, list items `name.N.member` (1-based), as in
AWS's messages. Patterns are matched against the whole value; one that Python's
`re` cannot compile (the models use Java regular expressions) is not checked.
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import functools
import re
from typing import Any, cast

from botocore.model import ListShape, ServiceModel, Shape, StructureShape
from moto.sagemaker.exceptions import ValidationError


@functools.cache
def _service_model(service: str) -> ServiceModel:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


# botocore ships no type annotations, and the attributes read here are
# CachedProperty descriptors whose __get__ is unannotated: pyright sees them as
# "CachedProperty | value". These casts state the types botocore.model documents.


def _input_shape(service: str, operation: str) -> Shape:
    # (None for an operation without input; every operation validated here has one)
    return cast(Shape, _service_model(service).operation_model(operation).input_shape)


def _metadata(shape: Shape) -> dict[str, Any]:
    return cast("dict[str, Any]", shape.metadata)


def _members(shape: StructureShape) -> dict[str, Shape]:
    return cast("dict[str, Shape]", shape.members)


def _list_member(shape: ListShape) -> Shape:
    return cast(Shape, shape.member)


def validate(service: str, operation: str, params: dict[str, Any]) -> None:
    """Raises ValidationError listing every constraint the request breaks."""
    errors: list[str] = []
    _check(_input_shape(service, operation), params, "", errors)
    if errors:
        count = len(errors)
        raise ValidationError(f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(errors)}")


def _member_path(parent: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{parent}.{member}" if parent else member


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    def fail(constraint: str) -> None:
        errors.append(f"Value {_show(value)} at '{path}' failed to satisfy constraint: Member must {constraint}")

    metadata = _metadata(shape)
    # botocore builds a StructureShape for type "structure", a ListShape for "list"
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return
        required = set(metadata.get("required", []))
        for name, member in _members(shape).items():
            child = _member_path(path, name)
            if value.get(name) is None:
                if name in required:
                    errors.append(f"Value null at '{child}' failed to satisfy constraint: Member must not be null")
                continue
            _check(member, value[name], child, errors)
        return
    if shape.type_name in ("list", "map", "string"):
        if not isinstance(value, (list, dict, str)):
            return
        if "min" in metadata and len(value) < metadata["min"]:
            fail(f"have length greater than or equal to {metadata['min']}")
        if "max" in metadata and len(value) > metadata["max"]:
            fail(f"have length less than or equal to {metadata['max']}")
    if isinstance(shape, ListShape) and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _check(_list_member(shape), item, f"{path}.{index}.member", errors)
    elif shape.type_name == "string" and isinstance(value, str):
        enum = metadata.get("enum")
        if enum and value not in enum:
            fail(f"satisfy enum value set: [{', '.join(enum)}]")
        pattern = _pattern(metadata["pattern"]) if "pattern" in metadata else None
        if pattern is not None and pattern.fullmatch(value) is None:
            fail(f"satisfy regular expression pattern: {metadata['pattern']}")
    elif shape.type_name in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "min" in metadata and value < metadata["min"]:
            fail(f"have value greater than or equal to {metadata['min']}")
        if "max" in metadata and value > metadata["max"]:
            fail(f"have value less than or equal to {metadata['max']}")


def _show(value: Any) -> str:
    """AWS quotes the value as Java prints it: 'abc', '0', '[a, b]'."""
    if isinstance(value, list):
        return "'[" + ", ".join(str(item) for item in value) + "]'"
    return f"'{value}'"
