"""Finding and loading libringcast, and declaring its C functions.

The library is, in order: $RINGCAST_LIBRARY (a path), a libringcast.so
shipped inside this package, or whatever the system loader finds as
libringcast.so.0 / libringcast.so (LD_LIBRARY_PATH, ld.so.cache).
"""

import ctypes
import os
import threading
from pathlib import Path

from . import events as _events

ABI_VERSION = (0, 1)  # major.minor of the libringcast this package was written against

_lock = threading.Lock()  # load once, even when two threads race to publish first
_lib = None
_path = None


class _Options(ctypes.Structure):
    _fields_ = [("lanes", ctypes.c_uint32), ("lane_capacity", ctypes.c_uint32),
                ("wait_when_full_ns", ctypes.c_int64), ("group_access", ctypes.c_uint8)]


def _candidates():
    env = os.environ.get("RINGCAST_LIBRARY")
    if env:
        if not Path(env).is_file():
            raise OSError(f"RINGCAST_LIBRARY={env} is not a file")
        return [env]
    here = Path(__file__).resolve().parent
    bundled = [str(p) for p in (here / "libringcast.so", here / "libringcast.so.0") if p.is_file()]
    return bundled or ["libringcast.so.0", "libringcast.so"]


def _declare(lib):
    handle = ctypes.c_void_p
    lib.ringcast_version.restype = ctypes.c_char_p
    lib.ringcast_version.argtypes = []
    lib.ringcast_status_text.restype = ctypes.c_char_p
    lib.ringcast_status_text.argtypes = [ctypes.c_int]
    lib.ringcast_last_error.restype = ctypes.c_char_p
    lib.ringcast_last_error.argtypes = []
    lib.ringcast_publisher_open.restype = ctypes.c_int
    lib.ringcast_publisher_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(_Options), ctypes.POINTER(handle)]
    lib.ringcast_publisher_close.restype = None
    lib.ringcast_publisher_close.argtypes = [handle]
    lib.ringcast_publisher_attach_thread.restype = ctypes.c_int
    lib.ringcast_publisher_attach_thread.argtypes = [handle]
    lib.ringcast_publisher_detach_thread.restype = None
    lib.ringcast_publisher_detach_thread.argtypes = [handle]
    lib.ringcast_publisher_lane.restype = ctypes.c_int
    lib.ringcast_publisher_lane.argtypes = [handle]
    lib.ringcast_publish_json.restype = ctypes.c_int
    lib.ringcast_publish_json.argtypes = [handle, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]

    size = ctypes.c_size_t
    text = ctypes.c_char_p
    tails = {
        "futures_orderbook_update": [ctypes.POINTER(_events.PriceLevel._c_struct), size,
                                     ctypes.POINTER(_events.PriceLevel._c_struct), size],
        "chain_update": [ctypes.POINTER(_events.ChainOrder._c_struct), size],
        "gateway_status_change": [text],
        "system_log": [text, text],
    }
    for cls in _events.EVENTS.values():
        fn = getattr(lib, "ringcast_publish_" + cls.schema_name)
        fn.restype = ctypes.c_int
        fn.argtypes = [handle, ctypes.c_char_p, ctypes.POINTER(cls._c_struct)] + tails.get(cls.schema_name, [])
        cls._c_publish = fn


def load():
    """The loaded library (loading it on the first call)."""
    global _lib, _path
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        for candidate in _candidates():
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as e:
                errors.append(str(e))
                continue
            version = lib.ringcast_version
            version.restype = ctypes.c_char_p
            found = version().decode()
            if tuple(int(x) for x in found.split(".")[:2]) != ABI_VERSION:
                raise OSError(f"{candidate} is libringcast {found}; this package needs "
                              f"{ABI_VERSION[0]}.{ABI_VERSION[1]}.x (set RINGCAST_LIBRARY to a matching build)")
            _declare(lib)
            _lib, _path = lib, candidate
            return lib
        raise OSError("libringcast not found: set RINGCAST_LIBRARY to the path of libringcast.so "
                      "(build/lib/ in a ringcast build), or install it where the loader looks ("
                      + "; ".join(errors) + ")")


def path():
    """Where the loaded library came from (None before it is loaded)."""
    return _path
