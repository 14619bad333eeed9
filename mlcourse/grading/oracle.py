"""The oracle: the checkers of ``mlcourse.checks`` run in the grader, the student's code in the kernel.

One :class:`Oracle` per graded submission, in the grading worker's process, listening on a
Unix socket that the sandboxed kernel can reach (and nothing else). A checker called in
the kernel (:class:`mlcourse.checks._client.OracleDriver`) opens a *session*; the oracle

1. attributes it to the cell the grader is executing (:meth:`Oracle.begin_cell`: the
   grader, not the kernel, says which cell runs) and accepts it only if that is a
   test cell and the session is the next check the instructor's test cell calls, with
   the very same arguments (the *script*, :mod:`.script`), one at a time (a pasted
   copy of a test cell, which the worker unmarks, is answered "not checked": neither
   graded nor a violation);
2. runs the checker's generator (:data:`mlcourse.checks.REGISTRY`) here: it draws the
   inputs, sends each :class:`~mlcourse.checks.Call` to the kernel and accepts exactly
   one :class:`~mlcourse.checks.Reply` per Call, in order; expected values and known
   mistakes are computed here and never leave the grader;
3. records the verdict, and only then answers with its text (the same message, hint
   and ✔ summary the in-process driver shows), which the kernel prints or raises.

Anything else is a protocol violation, recorded as tampering in the cell where it
happened: a check started from an answer cell or between cells, a check inside a check
(a student's function asking the oracle for the answer), a check the test cell does not
call or calls fewer times, other arguments, a message that is not the reply to the
current Call, a reference implementation called from the kernel. :meth:`Oracle.outcome`
gives each test cell's result from this record alone; printed output counts for nothing.

Everything the kernel sends is untrusted: JSON only (never pickle), frames of at most
``MAX_FRAME`` bytes, references refused in replies and resolved, in the script, only
into ``mlcourse`` and the instructor's own copy of the assignment's modules.
"""

import json
import os
import secrets
import socket
import threading

from mlcourse.checks import _wire
from mlcourse.checks._client import MAX_FRAME, ChannelClosed, receive, send
from mlcourse.checks._compare import CheckFailed
from mlcourse.checks._integrity import TAMPER_MARKER, reference_called_message
from mlcourse.checks._protocol import Reply, StudentError, StudentFunction

PASSED, FAILED, TAMPERED, INCOMPLETE = "passed", "failed", "tampered", "incomplete"


class Violation(Exception):
    """A protocol violation: the message says what the kernel did."""


class _Cell:
    def __init__(self, notebook, grade_id, kind, label):
        self.notebook, self.grade_id, self.kind, self.label = notebook, grade_id, kind, label


class _Session:
    def __init__(self, connection, cell):
        self.connection, self.cell = connection, cell
        self.violated = None  # set by another thread: a check started inside this one


def _valid_reply(reply):
    if not isinstance(reply, Reply):
        return False
    if reply.error is not None and not isinstance(reply.error, StudentError):
        return False
    return (isinstance(reply.modified, (tuple, list)) and all(isinstance(m, str) for m in reply.modified)
            and (reply.not_a_pair is None or isinstance(reply.not_a_pair, str))
            and (reply.recorded is None or isinstance(reply.recorded, dict)))


class Oracle:
    """Serve checker sessions for one submission; keep the record that scores it.

    ``script`` maps notebook -> grade_id -> expected checks (:func:`.script.read_script`);
    ``allow_ref`` says which references the script may resolve. It listens at ``path``
    and at each path given to :meth:`listen` (``path=None``: only those).
    """

    def __init__(self, path, script, allow_ref):
        self.path, self.script, self.allow_ref = path, script, allow_ref
        self.lock = threading.Lock()
        self.cell = None
        self.session = None
        self.records = {}      # (notebook, grade_id) -> list of (verdict, text)
        self.violations = []   # (notebook, grade_id or None, cell label, message)
        self.servers = []      # (socket, path): one per kernel of this submission
        self.closed = False
        if path is not None:
            self.listen(path)

    def listen(self, path):
        """Also accept checks at ``path`` (the socket a kernel of this submission was started
        with; a submission of several notebooks has one kernel, and one socket, per notebook)."""
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(path):
            os.remove(path)
        server.bind(path)
        os.chmod(path, 0o777)
        server.listen(8)
        self.servers.append((server, path))
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    # --- the grader's side: which cell runs -------------------------------------------------

    def begin_cell(self, notebook, grade_id, kind, label):
        """The grader is about to execute this cell (``kind``: test, answer, manual, other)."""
        with self.lock:
            self.cell = _Cell(notebook, grade_id, kind, label)

    def end_cell(self):
        """The cell has finished (or was interrupted): a session still open is cut off."""
        with self.lock:
            self.cell = None
            session, self.session = self.session, None
        if session is not None:
            try:
                session.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.end_cell()
        self.closed = True
        for server, path in self.servers:
            try:
                server.close()
            finally:
                if os.path.exists(path):
                    os.remove(path)

    # --- the record ---------------------------------------------------------------------------

    def expected(self, notebook, grade_id):
        return self.script.get(notebook, {}).get(grade_id, [])

    def outcome(self, notebook, grade_id):
        """``(verdict, text)`` of a test cell from the record; None if it calls no checker."""
        expected = self.expected(notebook, grade_id)
        if not expected:
            return None
        with self.lock:
            record = list(self.records.get((notebook, grade_id), []))
            violations = [v for v in self.violations if v[:2] == (notebook, grade_id)]
        if violations:
            return TAMPERED, violations[0][3]
        for verdict, text in record:
            if verdict != PASSED:
                return verdict, text
        if len(record) < len(expected):
            return INCOMPLETE, (f"{len(expected) - len(record)} of the {len(expected)} checks of this test cell "
                                "did not run through the grader")
        return PASSED, record[-1][1]

    def stray_violations(self, notebook):
        """Violations outside test cells (answer cells, between cells)."""
        with self.lock:
            return [v for v in self.violations if v[0] in (notebook, None) and
                    (v[1] is None or not self.expected(notebook, v[1]))]

    def _violate(self, cell, message):
        text = f"{TAMPER_MARKER}: {message}"
        with self.lock:
            self.violations.append((cell.notebook if cell else None, cell.grade_id if cell else None,
                                    cell.label if cell else "between cells", text))
        return text

    def _record(self, cell, verdict, text):
        with self.lock:
            self.records.setdefault((cell.notebook, cell.grade_id), []).append((verdict, text))

    # --- sessions -----------------------------------------------------------------------------

    def _accept(self, server):
        while not self.closed:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection):
        with self.lock:
            cell, outer = self.cell, self.session
            session = _Session(connection, cell)
            if outer is None:
                self.session = session
        try:
            with connection:
                self._session(session, outer)
        except (ChannelClosed, OSError):
            pass  # the kernel went away (interrupted, died): the check did not complete
        finally:
            self._release(session)

    def _release(self, session):
        """The session is over (its verdict is recorded): the next check may start."""
        with self.lock:
            if self.session is session:
                self.session = None

    def _session(self, session, outer):
        cell, connection = session.cell, session.connection
        message = receive(connection)
        if message.get("op") != "check" or not isinstance(message.get("arguments"), str):
            raise ChannelClosed("not a check")
        names = message.get("functions") if isinstance(message.get("functions"), dict) else {}
        problem = None
        if cell is None:
            problem = "a check ran between cells (from a thread or process the notebook left running)"
        elif outer is not None:
            problem = (f"a check was started inside another check in {cell.label}: a function under test "
                       "may not call a checker")
            outer.violated = problem
        elif cell.kind == "copy":
            pass  # answered below, not run and not a violation
        elif cell.kind != "test":
            problem = f"a check was started from {cell.label}, which is not a test cell"
        else:
            expected = self.expected(cell.notebook, cell.grade_id)
            done = len(self.records.get((cell.notebook, cell.grade_id), []))
            if done >= len(expected):
                problem = (f"{cell.label} ran a check it does not call, or ran one of its checks again "
                           f"({done + 1} checks, the cell calls {len(expected)})")
            else:
                script = expected[done]
                if message.get("check") != script["check"] or not _same_arguments(message["arguments"],
                                                                                 script["arguments"]):
                    problem = (f"{cell.label} ran {message.get('check')} with arguments other than those "
                               "its test cell gives")
        if problem is None and cell.kind == "copy":
            # a student re-running a test cell they pasted: not graded, not tampering
            self._release(session)
            send(connection, {"op": "verdict", "passed": False, "tampered": False,
                              "text": f"not checked: {cell.label} is not graded, only the original test cell is"})
            return
        if problem is not None:
            text = self._violate(cell, problem)
            self._release(session)
            send(connection, {"op": "verdict", "passed": False, "tampered": True, "text": text})
            return
        verdict, text = self._run(session, script, names)
        if verdict == TAMPERED:
            text = self._violate(cell, text)
        else:
            self._record(cell, verdict, text)
        self._release(session)  # before the verdict: the kernel may start the cell's next check at once
        send(connection, {"op": "verdict", "passed": verdict == PASSED, "tampered": verdict == TAMPERED,
                          "text": text})

    def _run(self, session, script, names):
        """Run the checker of ``script``: ``(verdict, text)``, recorded by the caller."""
        check = _wire.resolve(script["check"])
        arguments = _wire.loads(script["arguments"], allow_ref=self.allow_ref)
        handles = {}
        for role in check.students:
            name = names.get(role) if isinstance(names.get(role), str) and names.get(role) else role
            handles[role] = StudentFunction(role, name[:100]) if role in script["roles"] else None
        generator = check.generator(**handles, **arguments)
        connection = session.connection
        try:
            request = next(generator)
            while True:
                nonce = secrets.token_hex(8)  # a reply must name the call it answers: none can come early
                send(connection, {"op": "call", "id": nonce, "call": _wire.dumps(request)})
                message = receive(connection, MAX_FRAME)
                if session.violated:
                    return TAMPERED, session.violated
                if message.get("op") != "reply" or not isinstance(message.get("reply"), str):
                    return TAMPERED, "the kernel answered a call with something other than its reply"
                if message.get("id") != nonce:
                    return TAMPERED, "the kernel sent a reply out of turn (not the answer to the call it was sent)"
                try:
                    reply = _wire.loads(message["reply"], allow_ref=lambda name: False)
                except Exception as error:
                    return FAILED, (f"{request.name or request.role} returned a value the grader cannot read "
                                    f"({type(error).__name__}: {str(error)[:200]})")
                if not _valid_reply(reply):
                    return TAMPERED, "the kernel answered a call with something other than its reply"
                if reply.error is not None and reply.error.type == "ReferenceUnavailable":
                    called = reply.error.message.split(" is the reference")[0]
                    return TAMPERED, reference_called_message(reply.error.function, called)[len(TAMPER_MARKER) + 2:]
                request = generator.send(reply)
        except StopIteration as done:
            return PASSED, str(done.value)
        except CheckFailed as failure:
            return FAILED, str(failure)
        except ChannelClosed:
            raise
        except Exception as error:  # the checker could not use what came back
            return FAILED, f"the checker could not use the answer: {type(error).__name__}: {str(error)[:300]}"
        finally:
            generator.close()


def _same_arguments(got, expected):
    try:
        return json.loads(got) == json.loads(expected)
    except ValueError:
        return False
