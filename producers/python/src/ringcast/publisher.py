"""Publisher: a handle on a ringcast segment, for every thread of the process.

    with ringcast.Publisher() as pub:                  # segment $RINGCAST_SEGMENT or "ringcast"
        pub.publish("alice", PnlUpdate(total_pnl=12.5))
        pub.publish_json("PNL_UPDATE", "alice", {"totalPnl": 1, "dailyPnl": 0, "positionPnl": 0, "realizedPnl": 0})

Each thread that publishes gets a lane of its own at its first publish (or at
attach_thread()) and gives it back when it exits. publish() returns
Status.OK or Status.DROPPED_FULL (the ring was full: the event was dropped
and counted, the bridge tells clients about the gap); anything else raises
RingcastError and publishes nothing. Close only once no thread publishes.
"""

import ctypes
import enum
import json

from . import _fields
from . import _library
from . import events as _events


class Status(enum.IntEnum):
    """ringcast_status of ringcast.h."""
    OK = 0
    DROPPED_FULL = 1
    TOO_LARGE = 2
    USER_ID_TOO_LONG = 3
    BAD_ARGUMENT = 4
    BAD_JSON = 5
    UNKNOWN_TYPE = 6
    NO_LANE = 7
    SEGMENT_ERROR = 8
    OUT_OF_MEMORY = 9
    INTERNAL_ERROR = 10


_DETAIL_FROM = Status.BAD_ARGUMENT  # statuses from here on set ringcast_last_error()
_MEANING = {
    Status.TOO_LARGE: "the event is larger than the segment's record size limit",
    Status.USER_ID_TOO_LONG: "the user id is longer than 64 bytes of UTF-8",
}


class RingcastError(Exception):
    """A refused call: `status` says which kind, the message says why."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _check(lib, status):
    """Status.OK / DROPPED_FULL, or raises RingcastError with the library's detail."""
    if status in (Status.OK, Status.DROPPED_FULL):
        return Status(status)
    try:
        status = Status(status)
    except ValueError:
        raise RingcastError(status, f"libringcast returned an unknown status {status}") from None
    detail = lib.ringcast_last_error().decode("utf-8", "replace") if status >= _DETAIL_FROM else _MEANING[status]
    raise RingcastError(status, f"{status.name}: {detail}")


def _user_id(user_id):
    if user_id is None:
        return None
    if isinstance(user_id, str):
        user_id = user_id.encode("utf-8")
    if not isinstance(user_id, bytes) or b"\0" in user_id:
        raise TypeError("user_id must be a str (or None for a global event) without NUL characters")
    return user_id


class Publisher:
    def __init__(self, segment=None, *, lanes=0, lane_capacity=0, wait_when_full=0.0, group_access=False):
        """Opens `segment` (None: $RINGCAST_SEGMENT, else "ringcast"), creating it if nobody has.
        lanes, lane_capacity (bytes, a power of two) and group_access apply only if this call creates it;
        wait_when_full (seconds) > 0 makes a full lane retry that long before dropping."""
        self._lib = _library.load()
        options = _library._Options(lanes=lanes, lane_capacity=lane_capacity,
                                    wait_when_full_ns=int(wait_when_full * 1e9), group_access=1 if group_access else 0)
        handle = ctypes.c_void_p()
        name = None if segment is None else segment.encode("utf-8")
        _check(self._lib, self._lib.ringcast_publisher_open(name, ctypes.byref(options), ctypes.byref(handle)))
        self._handle = handle

    def close(self):
        """Releases every thread's lane. Idempotent."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._lib.ringcast_publisher_close(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _live_handle(self):
        if not self._handle:
            raise RingcastError(Status.BAD_ARGUMENT, "BAD_ARGUMENT: the publisher is closed")
        return self._handle

    def attach_thread(self):
        """Claims the calling thread's lane now: NO_LANE shows up here rather than at the first publish."""
        _check(self._lib, self._lib.ringcast_publisher_attach_thread(self._live_handle()))

    def detach_thread(self):
        """Gives the calling thread's lane back early."""
        self._lib.ringcast_publisher_detach_thread(self._live_handle())

    @property
    def lane(self):
        """The calling thread's lane, or None before its first publish."""
        lane = self._lib.ringcast_publisher_lane(self._live_handle())
        return None if lane < 0 else lane

    def publish(self, user_id, event):
        """Publishes `event` (a dataclass of ringcast.events) for `user_id` (None or "": every user)."""
        cls = type(event)
        if _events.EVENTS.get(getattr(cls, "wire_name", None)) is not cls:
            raise TypeError(f"expected an event of ringcast.events, got {cls.__name__}")
        c = _fields.to_c(event)
        args = [self._live_handle(), _user_id(user_id), ctypes.byref(c)]
        name = cls.__name__
        if cls is _events.FuturesOrderbookUpdate:
            bids = _fields.to_c_array(name, "bids", _events.PriceLevel, event.bids)
            asks = _fields.to_c_array(name, "asks", _events.PriceLevel, event.asks)
            args += [bids, len(bids), asks, len(asks)]
        elif cls is _events.ChainUpdate:
            orders = _fields.to_c_array(name, "orders", _events.ChainOrder, event.orders)
            args += [orders, len(orders)]
        elif cls is _events.GatewayStatusChange:
            args += [_fields.to_text(name, "metadata", event.metadata, True)]
        elif cls is _events.SystemLog:
            args += [_fields.to_text(name, "message", event.message, False),
                     _fields.to_text(name, "metadata", event.metadata, True)]
        return _check(self._lib, cls._c_publish(*args))

    def publish_json(self, type_name, user_id, payload):
        """Publishes an event from its JSON payload (text, or a dict to serialize), e.g.
        publish_json("PNL_UPDATE", "alice", {"totalPnl": 1, ...}); every field is required."""
        if not isinstance(payload, (str, bytes)):
            payload = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        return _check(self._lib, self._lib.ringcast_publish_json(self._live_handle(), type_name.encode("utf-8"),
                                                                 _user_id(user_id), payload))
