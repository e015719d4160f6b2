"""The dataclasses of ringcast.events against the C++ schema, as
``ringcast-schema --json`` prints it: every event type, its type number and
version, its fields in order with their kinds, string capacities and enums,
its tail, the enum values, and the ctypes struct layout (offsets and sizes)
that the C library reads. A schema change fails here until the Python
package follows it."""

import ctypes
import dataclasses

import pytest

import ringcast
from ringcast import _fields
from ringcast import events as ev

ELEMENTS = {"price_level": ev.PriceLevel, "chain_order": ev.ChainOrder}


def python_fields(cls):
    """(name, kind, capacity or enum name, is tail count) for each struct field."""
    out = []
    for f in _fields.struct_fields(cls):
        kind = f.metadata["kind"]
        extra = f.metadata.get("capacity") if kind == "string" else None
        if kind == "enum":
            extra = next(name for name, e in ev.ENUMS.items() if e is f.metadata["enum"])
        out.append((f.name, kind, extra, "tail_count" in f.metadata))
    return out


def schema_fields(struct):
    out = []
    for f in struct["fields"]:
        extra = f.get("capacity") if f["kind"] == "string" else f.get("enum")
        out.append((f["name"], f["kind"], extra, f.get("tailCount", False)))
    return out


def check_layout(cls, struct):
    c = cls._c_struct
    assert ctypes.sizeof(c) == struct["size"], cls.__name__
    assert ctypes.alignment(c) == struct["align"], cls.__name__
    for f in struct["fields"]:
        assert getattr(c, f["name"]).offset == f["offset"], f"{cls.__name__}.{f['name']}"
        assert getattr(c, f["name"]).size == f["size"], f"{cls.__name__}.{f['name']}"


def test_every_event_type_has_a_dataclass_and_no_other(schema):
    assert set(ringcast.EVENTS) == {e["wireName"] for e in schema["events"]}


@pytest.mark.parametrize("wire_name", list(ringcast.EVENTS))
def test_event_dataclass_matches_the_schema(schema, wire_name):
    struct = next((e for e in schema["events"] if e["wireName"] == wire_name), None)
    assert struct is not None, f"{wire_name} is not in the schema any more"
    cls = ringcast.EVENTS[wire_name]
    assert (cls.type_number, cls.schema_version, cls.schema_name) == (struct["type"], struct["version"], struct["name"])
    assert python_fields(cls) == schema_fields(struct)
    tail = [(f.name, f.metadata["tail"], f.metadata.get("element")) for f in _fields.tail_fields(cls)]
    assert tail == [(t["name"], t["kind"], ELEMENTS.get(t.get("element"))) for t in struct["tail"]]
    counts = {f.name: f.metadata["tail_count"] for f in _fields.struct_fields(cls) if "tail_count" in f.metadata}
    assert counts == {t["count"]: t["name"] for t in struct["tail"]}
    check_layout(cls, struct)


@pytest.mark.parametrize("name", sorted(ELEMENTS))
def test_element_dataclass_matches_the_schema(schema, name):
    struct = schema["structs"][name]
    assert python_fields(ELEMENTS[name]) == schema_fields(struct)
    check_layout(ELEMENTS[name], struct)


def test_enums_match_the_schema(schema):
    assert set(ev.ENUMS) == set(schema["enums"])
    for name, enum_class in ev.ENUMS.items():
        assert [(m.name, m.value) for m in enum_class] == \
            [(e["name"], e["value"]) for e in schema["enums"][name]], name


def test_fields_of_every_kind_are_known_to_the_binding(schema):
    kinds = {f["kind"] for e in schema["events"] for f in e["fields"]}
    assert kinds <= {"string", "double", "int64", "uint16", "uint32", "flag", "enum"}
    assert all(dataclasses.is_dataclass(cls) for cls in ringcast.EVENTS.values())
