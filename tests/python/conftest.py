"""Shared fixtures for the Python binding's tests.

ctest runs ``/usr/bin/python3 -m pytest -q tests/python`` with
RINGCAST_LIBRARY (libringcast.so), RINGCAST_SCHEMA (ringcast-schema) and
RINGCAST_TEST_DUMP (ringcast-test-dump, the JSON-lines consumer) set to the
build's files; the package is imported from producers/python/src.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "producers" / "python"
sys.path.insert(0, str(PACKAGE_DIR / "src"))


def _tool(variable):
    value = os.environ.get(variable)
    if not value or not Path(value).is_file():
        pytest.fail(f"${variable} must name the built file (ctest sets it; see tests/python/CMakeLists.txt)")
    return value


@pytest.fixture(scope="session")
def schema():
    """The schema as ringcast-schema --json prints it."""
    out = subprocess.run([_tool("RINGCAST_SCHEMA"), "--json"], check=True, capture_output=True, text=True,
                         timeout=30)
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def library():
    return _tool("RINGCAST_LIBRARY")


@pytest.fixture
def segment():
    """A fresh segment name, its /dev/shm file removed afterwards."""
    name = f"rctest-py-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield name
    Path("/dev/shm", name).unlink(missing_ok=True)


def dump(segment_name, count=None):
    """The records of the segment as dicts, via ringcast-test-dump (the segment's consumer)."""
    args = [_tool("RINGCAST_TEST_DUMP"), "--segment", segment_name]
    if count is not None:
        args += ["--count", str(count), "--timeout-ms", "10000"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture(scope="session")
def read_back():
    return dump
