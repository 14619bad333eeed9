"""The kernel side of the oracle: what a checker does in a kernel started by ``mlcourse grade``.

Under ``mlcourse grade`` the kernel launcher makes :class:`OracleDriver` the driver of
every checker. A test cell's call ``checks.check_loss(mse, mse_grad, "mse")`` then

1. opens a connection to the grader's oracle (a Unix socket whose path the launcher
   was given) and sends ``{"op": "check", "check": "mlcourse.checks.losses:check_loss",
   "arguments": <the other arguments, _wire JSON>, "functions": {role: the student's
   name for the function}}``;
2. answers each ``{"op": "call", "id": ..., "call": ...}`` it receives by executing
   that :class:`~._protocol.Call` with :class:`~._driver.Kernel` and sending
   ``{"op": "reply", "id": <the same id>, "reply": ...}``, one reply per call (the id
   is drawn by the oracle for each call, so no reply can be sent before its call);
3. on ``{"op": "verdict", ...}`` prints ``✔ summary`` or raises :class:`CheckFailed`
   (or :class:`TamperingError`) with the oracle's message: the very text the
   in-process driver would have shown.

Nothing here decides anything: the oracle draws the inputs, computes the expected
values, compares, records the verdict and only then answers. A notebook that replaces
this driver, answers out of turn, or prints a fake ✔ only changes what it shows
itself; the grade comes from the oracle's record.

The frames on the socket are an 8-byte big-endian length followed by that many bytes
of JSON (:func:`send`, :func:`receive`); both sides use these two functions.
"""

import json
import socket

from . import _wire
from ._compare import CheckFailed
from ._driver import Kernel, _name
from ._integrity import TamperingError

MAX_FRAME = 64 * 2**20  # bytes; a reply larger than this is refused by the oracle


class ChannelClosed(ConnectionError):
    """The other side closed the connection (or sent a frame that is not JSON)."""


def send(connection, message):
    data = json.dumps(message).encode()
    connection.sendall(len(data).to_bytes(8, "big") + data)


def _exactly(connection, size):
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise ChannelClosed("the connection was closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(connection, limit=MAX_FRAME):
    """The next message (a dict), or ChannelClosed; a frame over ``limit`` bytes is refused."""
    size = int.from_bytes(_exactly(connection, 8), "big")
    if size > limit:
        raise ChannelClosed(f"a message of {size} bytes, more than the {limit} allowed")
    try:
        message = json.loads(_exactly(connection, size))
    except ValueError as error:
        raise ChannelClosed(f"a message that is not JSON ({error})") from None
    if not isinstance(message, dict):
        raise ChannelClosed("a message that is not a JSON object")
    return message


class OracleDriver:
    """Runs every checker through the grader's oracle listening at ``path``."""

    def __init__(self, path):
        self.path = path

    def run(self, check, functions, arguments):
        __tracebackhide__ = True
        reference = _wire.reference_name(check)
        names = {role: None if function is None else _name(function, role)[:100]
                 for role, function in functions.items()}
        kernel = Kernel(functions)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(self.path)
            send(connection, {"op": "check", "check": reference, "arguments": _wire.dumps(arguments),
                              "functions": names})
            while True:
                message = receive(connection, limit=1 << 40)
                if message.get("op") == "verdict":
                    break
                call = _wire.loads(message["call"])
                reply = kernel.execute(call)
                send(connection, {"op": "reply", "id": message.get("id"), "reply": _wire.dumps(reply, opaque=True)})
        if message.get("passed"):
            print(f"✔ {message['text']}")
            return
        error = TamperingError if message.get("tampered") else CheckFailed
        raise error(message["text"]).with_traceback(None) from None
