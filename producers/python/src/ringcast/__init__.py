"""ringcast: publish typed events to ringcast dashboards from Python.

A thin ctypes binding over libringcast (the C ABI): events go into the
shared-memory ring that the ringcast bridge drains. See README.md.
"""

from . import events
from ._library import path as library_path
from .events import *  # noqa: F401,F403  (the event dataclasses and enums)
from .publisher import Publisher, RingcastError, Status

__version__ = "0.1.0"


def library_version():
    """The version of the loaded libringcast, loading it if needed."""
    from ._library import load
    return load().ringcast_version().decode()
