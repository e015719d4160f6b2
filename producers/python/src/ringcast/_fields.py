"""Field kinds of the event dataclasses, and their conversion to C structs.

Each dataclass field carries its schema kind in its metadata, the same kinds
that ``ringcast-schema --json`` prints for the C++ members ("string" with a
capacity, "double", "int64", "uint16", "uint32", "flag", "enum"), so that the
ctypes mirror of the C struct is built from the dataclass and a test can
compare both with the schema. Tail fields (order-book levels, chain orders,
log text, metadata) are marked "tail": they follow the struct in the
payload and are passed to the C library separately.
"""

import ctypes
import dataclasses
import enum
import json

_CTYPES = {
    "double": ctypes.c_double,
    "int64": ctypes.c_int64,
    "uint16": ctypes.c_uint16,
    "uint32": ctypes.c_uint32,
    "flag": ctypes.c_uint8,
    "enum": ctypes.c_uint8,
}
_INT_RANGES = {
    "int64": (-(2**63), 2**63 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
}


def string(capacity):
    """A UTF-8 string of at most `capacity` bytes (a fixed char array in C)."""
    return dataclasses.field(default="", metadata={"kind": "string", "capacity": capacity})


def double():
    return dataclasses.field(default=0.0, metadata={"kind": "double"})


def int64():
    return dataclasses.field(default=0, metadata={"kind": "int64"})


def uint16():
    return dataclasses.field(default=0, metadata={"kind": "uint16"})


def uint32():
    return dataclasses.field(default=0, metadata={"kind": "uint32"})


def flag():
    return dataclasses.field(default=False, metadata={"kind": "flag"})


def enum_of(enum_class):
    """One of `enum_class`'s members (or its name, or its value)."""
    return dataclasses.field(default=next(iter(enum_class)), metadata={"kind": "enum", "enum": enum_class})


def tail_count(kind, of):
    """The count or size of a tail part: set by the library, not by callers."""
    return dataclasses.field(default=0, init=False, repr=False, compare=False,
                             metadata={"kind": kind, "tail_count": of})


def array_of(element):
    """Tail: a list of `element` dataclasses."""
    return dataclasses.field(default_factory=list, metadata={"tail": "array", "element": element})


def text():
    """Tail: UTF-8 text."""
    return dataclasses.field(default="", metadata={"tail": "text"})


def json_object():
    """Tail: a JSON object, as a dict or as JSON text; None for none."""
    return dataclasses.field(default=None, metadata={"tail": "json"})


def struct_fields(cls):
    """The fields that make up the C struct, in order (tail fields excluded)."""
    return [f for f in dataclasses.fields(cls) if "kind" in f.metadata]


def tail_fields(cls):
    return [f for f in dataclasses.fields(cls) if "tail" in f.metadata]


def make_c_struct(cls, c_name):
    """The ctypes mirror of `cls`'s C struct, with the platform's C alignment."""
    members = []
    for f in struct_fields(cls):
        kind = f.metadata["kind"]
        ctype = ctypes.c_char * f.metadata["capacity"] if kind == "string" else _CTYPES[kind]
        members.append((f.name, ctype))
    return type(c_name, (ctypes.Structure,), {"_fields_": members})


def _convert(owner, f, value):
    """The C value of field `f`; ValueError or TypeError naming the field if it cannot be one."""
    kind = f.metadata["kind"]
    where = f"{owner}.{f.name}"
    if kind == "string":
        if not isinstance(value, str):
            raise TypeError(f"{where}: expected str, got {type(value).__name__}")
        data = value.encode("utf-8")
        if len(data) > f.metadata["capacity"]:
            raise ValueError(f"{where}: {len(data)} bytes of UTF-8, at most {f.metadata['capacity']} fit")
        if b"\0" in data:
            raise ValueError(f"{where}: must not contain NUL characters")
        return data
    if kind == "double":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{where}: expected a number, got {type(value).__name__}")
        return float(value)
    if kind == "flag":
        return 1 if value else 0
    if kind == "enum":
        enum_class = f.metadata["enum"]
        try:
            member = enum_class[value] if isinstance(value, str) else enum_class(value)
        except (KeyError, ValueError):
            names = ", ".join(m.name for m in enum_class)
            raise ValueError(f"{where}: {value!r} is not one of {names}") from None
        return int(member)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where}: expected int, got {type(value).__name__}")
    low, high = _INT_RANGES[kind]
    if not low <= value <= high:
        raise ValueError(f"{where}: {value} is out of the {kind} range {low}..{high}")
    return value


def to_c(event):
    """`event` (a dataclass of this package) as its ctypes struct."""
    cls = type(event)
    c = cls._c_struct()
    for f in struct_fields(cls):
        if "tail_count" not in f.metadata:
            setattr(c, f.name, _convert(cls.__name__, f, getattr(event, f.name)))
    return c


def to_c_array(owner, name, element_class, items):
    """A list of `element_class` dataclasses (or tuples of their fields) as a ctypes array."""
    array = (element_class._c_struct * len(items))()
    for i, item in enumerate(items):
        if isinstance(item, tuple):
            item = element_class(*item)
        if not isinstance(item, element_class):
            raise TypeError(f"{owner}.{name}[{i}]: expected {element_class.__name__}, got {type(item).__name__}")
        array[i] = to_c(item)
    return array


def to_text(owner, name, value, is_json):
    """Tail text as NUL-terminated UTF-8 bytes; None stays None (no text)."""
    if value is None:
        return None
    if is_json and not isinstance(value, (str, bytes)):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    data = value.encode("utf-8") if isinstance(value, str) else value
    if not isinstance(data, bytes):
        raise TypeError(f"{owner}.{name}: expected str, got {type(value).__name__}")
    if b"\0" in data:
        raise ValueError(f"{owner}.{name}: must not contain NUL characters")
    return data


class WireEnum(enum.IntEnum):
    """An enum whose member names are the wire names ("PARTIALLY_FILLED")."""
