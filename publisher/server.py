"""``publisher server``: a build server that keeps the command line and the writers
imported, so one command costs what its work costs.

Starting the interpreter and importing the command line, Markdown, YAML, Jinja, Babel,
python-docx and WeasyPrint takes longer than making one web page or one DOCX. A server
has done that once: the first command that finds none starts one in the background for
the next ones (outside CI; :func:`publisher.client.start_for_next`), or a user starts it
(``publisher server start``). Every ``publisher`` command of the same installation then
reaches it through :mod:`publisher.client`, and it forks a process for that one command,
which becomes the command:

- the command's standard input, output and error are the ones of the ``publisher``
  process that asked (passed over the socket); so are its working folder, environment,
  umask, arguments, niceness and resource limits; its exit status (or the signal that
  ended it) becomes that process's; the signals that process receives are passed on to
  the command's process group, as a terminal would send them;
- each command starts from the server's state after its imports and nothing else: the
  server itself never builds, so no cache of one command is seen by the next;
- the next command's process (the spare) is forked ahead of time and, while it waits,
  copies the memory a command writes into and parses a command line once (no file, no
  caller's environment): a command handed to it starts without a fork, without a
  page fault per page it first writes, and without click's first-call work;
- the server refuses (and the command runs in its own process, as without a server) a
  process that differs in what it had from its start: the interpreter and its flags,
  the import path, the file-system encoding, library and font-configuration variables;
  and one whose hard resource limits or priority are above its own (an unprivileged
  process can lower its own, not raise them);
- before each command it checks that every module it imported is still the file on
  disk (same size, time and inode) and that no package was installed or removed in the
  folders packages are installed in; if one was (an upgrade, a ``git pull``), it refuses,
  finishes what runs, and exits. It compares the files only when something changed in
  their folders since the last command (:class:`Changes`, inotify).

The socket is in ``$XDG_RUNTIME_DIR/publisher-UID`` (else ``/tmp/publisher-UID``), a
folder of mode 0700 that must be this user's own; the server also checks the peer's user
id (``SO_PEERCRED``) before it reads a request. It exits after ``--idle`` seconds with
no command (three hours when a user starts it, half an hour when a command did) and on
``publisher server stop`` or SIGTERM, after the commands that run have finished. A lock
file keeps a second server of the installation from starting. CI does not need one:
without a server nothing changes but the time a command takes.
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, cast

from . import client
from .errors import PublisherError

CONTROL = "publisher-control-1"
PRELOAD = ("publisher.pipeline", "publisher.build", "publisher.matrix",
           "publisher.project", "publisher.editions", "publisher.readers.markdown",
           "publisher.readers.mission", "publisher.i18n.catalogs", "publisher.i18n.checks",
           "publisher.i18n.translate", "publisher.i18n.wording", "publisher.writers.index",
           "publisher.writers.webfonts", "publisher.writers.fonts", "publisher.collect",
           "babel.dates", "babel.numbers", "babel.plural", "yaml", "jinja2.ext")
"""Modules every build imports, beyond the command line (which runs the server) and the
writers (:func:`publisher.matrix.load_engines`)."""
_UCRED = struct.Struct("3i")


class ServerError(PublisherError):
    """The build server cannot start or be reached."""

    code = "server"


def check_folder(path: str) -> None:
    """The socket folder must be a real folder of this user's that nobody else can open
    (another user could otherwise put a socket of theirs in its place); made if missing."""
    reason = client.make_folder(path)
    if reason is not None:
        raise ServerError(reason, path)


def _install_folders() -> list[str]:
    """The folders of the import path packages are installed in: the site folders, and
    any other that holds a distribution's metadata (``pip install --target``). A
    checkout's folder is not one: its root changes with every file made in it, and the
    modules loaded from it are checked one by one."""
    import site

    sites = {*site.getsitepackages(), site.getusersitepackages()}
    found = []
    for folder in sys.path:
        if folder in sites:
            found.append(folder)
            continue
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        if any(n.endswith((".dist-info", ".egg-info")) for n in names):
            found.append(folder)
    return found


def _module_names() -> list[str]:
    """The file of every module imported so far."""
    names = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    return [name for name in names if isinstance(name, str) and name]


def _module_files(installed: list[str]) -> dict[str, tuple[int, int, int]]:
    """The file of every module imported so far, and every folder packages are installed
    in (``installed``: installing or removing one changes it), by (size, modification
    time, inode)."""
    found: dict[str, tuple[int, int, int]] = {}
    for name in [*_module_names(), *installed]:
        if name not in found:
            try:
                st = os.stat(name)
            except OSError:
                continue
            found[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


_WATCHED = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x1000000
"""inotify: a file in the folder modified, its attributes changed, closed after writing,
moved out or in, made or removed; the folder itself removed or moved (only a folder)."""


class Changes:
    """The folders of the loaded modules and the folders packages are installed in,
    watched (Linux's inotify): whether anything in them may have changed since the last
    look, without a ``stat`` of every module file (a few milliseconds that every command
    waited for). Without inotify, or past its limits, every look says "maybe"."""

    def __init__(self, files: list[str], installed: list[str]) -> None:
        self.fd = -1
        folders = sorted({os.path.dirname(name) for name in files} | set(installed))
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return
        if fd < 0:
            return
        for folder in folders:
            if libc.inotify_add_watch(fd, os.fsencode(folder), _WATCHED) < 0:
                os.close(fd)
                return
        self.fd = fd

    def maybe(self) -> bool:
        """Whether a file may have changed since the last call (events are queued by the
        call that changed the file, so none is missed)."""
        if self.fd < 0:
            return True
        seen = False
        while True:
            try:
                if not os.read(self.fd, 65536):
                    return seen
            except BlockingIOError:
                return seen
            seen = True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _stale(files: dict[str, tuple[int, int, int]]) -> str | None:
    for name, seen in files.items():
        try:
            st = os.stat(name)
        except OSError:
            return name
        if (st.st_size, st.st_mtime_ns, st.st_ino) != seen:
            return name
    return None


@dataclass
class Request:
    """One command, as :func:`publisher.client.request` wrote it."""

    marks: list[str]
    cwd: str
    umask: int
    streams: list[tuple[str, str]]
    argv: list[str]
    env: dict[str, str]
    nice: int = 0
    limits: dict[str, tuple[int, int]] | None = None
    """Resource limits by name (``RLIMIT_NOFILE``): (soft, hard), -1 for none."""


def parse(body: bytes) -> Request | str:
    """A request, or the reason it is not one."""
    items = [s.decode("utf-8", "surrogateescape") for s in body.split(b"\0")]
    try:
        if items[0] != client.PROTOCOL:
            return "another protocol"
        at = 1

        def counted() -> list[str]:
            nonlocal at
            n = int(items[at])
            if not 0 <= n <= len(items) - at - 1:
                raise ValueError
            out = items[at + 1:at + 1 + n]
            at += 1 + n
            return out

        marks = counted()
        cwd, mask = items[at], int(items[at + 1], 10)
        streams = [(items[at + 2 + 2 * i], items[at + 3 + 2 * i]) for i in range(3)]
        at += 8
        held = counted()
        argv = counted()
        env_items = counted()
        if (at != len(items) or not cwd.startswith("/") or not 0 <= mask <= 0o777
                or not held):
            return "malformed"
        nice = int(held[0], 10)
        limits: dict[str, tuple[int, int]] = {}
        for item in held[1:]:
            name, _, values = item.partition("=")
            soft, _, hard = values.partition(":")
            if name not in client.RESOURCE_LIMITS or name in limits:
                return "malformed"
            limits[name] = (int(soft, 10), int(hard, 10))
        if not -20 <= nice <= 19:
            return "malformed"
        env = {}
        for item in env_items:
            key, sep, value = item.partition("=")
            if not sep or not key:
                return "malformed"
            env[key] = value
    except (IndexError, ValueError):
        return "malformed"
    return Request(marks, cwd, mask, streams, argv, env, nice, limits)


def _beyond(wanted: int, held: int) -> bool:
    """Whether the limit ``wanted`` is above ``held`` (-1: none)."""
    return held != -1 and (wanted == -1 or wanted > held)


def unservable(req: Request) -> str | None:
    """Why this process cannot run the command under the asking process's niceness and
    limits (an unprivileged process can lower its limits and its priority, not raise
    them), or None."""
    import resource

    limits = req.limits or {}
    missing = [name for name in limits if not hasattr(resource, name)]
    if missing:
        return f"{missing[0]}, which this system does not have"
    if os.geteuid() == 0:
        return None  # root may raise them
    if req.nice < os.getpriority(os.PRIO_PROCESS, 0):
        return "a higher priority than the server's"
    for name, (_soft, hard) in limits.items():
        if _beyond(hard, resource.getrlimit(getattr(resource, name))[1]):
            return f"a higher {name} than the server's"
    return None


def _take_limits(req: Request) -> None:
    """In the command's process: the asking process's niceness and resource limits."""
    import resource

    if req.nice != os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, req.nice)
    for name, (soft, hard) in (req.limits or {}).items():
        which = getattr(resource, name)
        infinity = resource.RLIM_INFINITY
        resource.setrlimit(which, (infinity if soft == -1 else soft,
                                   infinity if hard == -1 else hard))


class Server:
    """The accept loop. Single-threaded (it forks), so a command's process starts from a
    process with one thread."""

    def __init__(self, listener: socket.socket, path: str, idle: float,
                 run: Callable[[list[str]], int], warm: Callable[[], None],
                 lock: int) -> None:
        self.listener = listener
        self.lock = lock
        """The lock file held while the server runs (:func:`_lock`); not by its children."""
        self.run_command = run
        self.warm = warm
        self.path = path
        self.idle = idle
        self.children: dict[int, socket.socket] = {}
        self.abandoned: set[int] = set()
        """Commands whose socket is no longer watched (their asking process went away)."""
        self.inode = os.stat(path).st_ino
        installed = _install_folders()
        self.changes = Changes(_module_names(), installed)  # first: no change is missed
        self.files = _module_files(installed)
        self.marks = client.fingerprint()
        self.started = time.time()
        self.served = 0
        self.stopping = False
        self.last = time.monotonic()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)
        self.spare: _Spare | None = None
        """The process the next command is handed to (see :meth:`_make_spare`)."""
        self.spares_failed = 0

    def log(self, message: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}", file=sys.stderr, flush=True)

    def run(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        while True:
            self._reap()
            if self.stopping and not self.children:
                break
            if self.spare is None and not self.stopping and self.spares_failed < 3:
                self._make_spare()
            timeout = None
            if not self.children and not self.stopping:
                timeout = self.idle - (time.monotonic() - self.last)
                if timeout <= 0:
                    self.log("idle: stopping")
                    break
            if self.stopping and self.listener.fileno() != -1:
                self._close()
            watched: list[int | socket.socket] = [self.wake_r]
            watched += [c for p, c in self.children.items() if p not in self.abandoned]
            if not self.stopping:
                watched.append(self.listener)
            ready, _, _ = select.select(watched, [], [], timeout)
            for item in ready:
                if item == self.wake_r:
                    try:
                        while os.read(self.wake_r, 512):
                            pass
                    except BlockingIOError:
                        pass
                elif item is self.listener:
                    self._accept()
                elif isinstance(item, socket.socket):
                    self._client_gone(item)
        if self.listener.fileno() != -1:
            self._close()

    def _stop(self, signum: int = 0, frame: object = None) -> None:
        """Stop taking commands (the loop closes the socket and waits for those that run)."""
        self.stopping = True

    def _close(self) -> None:
        if self.spare is not None:
            self.spare.channel.close()  # the spare reads the end of its socket and exits
            self.spare = None
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass
        self.listener.close()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self.spare is not None and pid == self.spare.pid:
                self.log(f"the spare process {pid} ended unused ({status:#x})")
                self.spare.channel.close()
                self.spare = None
                self.spares_failed += 1  # after 3, each command gets a process forked for it
                continue
            conn = self.children.pop(pid, None)
            self.abandoned.discard(pid)
            if conn is None:
                continue
            if os.WIFSIGNALED(status):
                answer = f"signal {os.WTERMSIG(status)}\n"
            else:
                answer = f"exit {os.waitstatus_to_exitcode(status)}\n"
            try:
                conn.sendall(answer.encode("ascii"))
            except OSError:
                pass
            conn.close()
            self.last = time.monotonic()

    def _client_gone(self, conn: socket.socket) -> None:
        """The asking process's end of the socket became readable: it went away (killed,
        or it has its exit status), and so does its command. (A client never writes after
        its request; one that does is no longer watched.)"""
        for pid, held in list(self.children.items()):
            if held is conn:
                self.abandoned.add(pid)
                try:
                    if conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                        return
                except BlockingIOError:
                    return
                except OSError:
                    pass
                try:
                    os.killpg(pid, signal.SIGTERM)
                except OSError:
                    pass

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        fds: list[int] = []
        try:
            conn.settimeout(5.0)
            pid, uid, gid = _UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET,
                                                          socket.SO_PEERCRED, _UCRED.size))
            if uid != os.getuid():
                conn.close()
                return
            body, fds = self._receive(conn)
            if body is None:
                self._refuse(conn, "malformed")
                return
            if body.startswith(CONTROL.encode()):
                self._control(conn, body)
                return
            req = parse(body)
            if isinstance(req, str):
                self._refuse(conn, req)
                return
            if len(fds) != 3:
                self._refuse(conn, "no standard streams")
                return
            if req.marks != self.marks:
                self._refuse(conn, "another interpreter, flags or import path")
                return
            reason = unservable(req)
            if reason is not None:
                self._refuse(conn, f"limits: {reason}")
                return
            self._hand_over(conn, body, req, fds)
            fds = []
        except OSError as exc:
            self.log(f"request failed: {exc}")
            conn.close()
        finally:
            for fd in fds:
                os.close(fd)

    @staticmethod
    def _receive(conn: socket.socket, count: int = 3) -> tuple[bytes | None, list[int]]:
        """A length-prefixed body and at most ``count`` descriptors passed with it."""
        fds: list[int] = []
        data, ancillary, flags, _ = conn.recvmsg(65536, socket.CMSG_SPACE(count * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                usable = len(payload) - len(payload) % 4
                fds += list(struct.unpack(f"{usable // 4}i", payload[:usable]))
        if flags & socket.MSG_CTRUNC or len(data) < 8:
            return None, fds
        size = int.from_bytes(data[:8], "big")
        if size > client.LIMIT:
            return None, fds
        body = bytearray(data[8:])
        while len(body) < size:
            chunk = conn.recv(min(65536, size - len(body)))
            if not chunk:
                return None, fds
            body += chunk
        if len(body) != size:
            return None, fds
        return bytes(body), fds

    def _refuse(self, conn: socket.socket, reason: str) -> None:
        try:
            conn.sendall(f"refused {reason}\n".encode("ascii", "replace"))
        except OSError:
            pass
        conn.close()

    def _control(self, conn: socket.socket, body: bytes) -> None:
        words = body.decode("ascii", "replace").split("\0")
        if words[1:] == ["stop"]:
            answer = f"stopping {os.getpid()} {len(self.children)}\n"
            self._stop()
        elif words[1:] == ["status"]:
            spare = self.spare.pid if self.spare is not None and self.spare.is_ready() else 0
            answer = (f"status {os.getpid()} {int(self.started)} {self.served} "
                      f"{len(self.children)} {spare}\n")
        else:
            answer = "refused malformed\n"
        try:
            conn.sendall(answer.encode("ascii"))
        except OSError:
            pass
        conn.close()

    def _hand_over(self, conn: socket.socket, body: bytes, req: Request,
                   fds: list[int]) -> None:
        """Give the command to the spare process (else to a process forked for it); while
        that process takes the asking process's place, check that no imported module
        changed on disk, then let it run (or end it unseen)."""
        go: Callable[[bytes], None]
        spare, self.spare = self.spare, None
        pid = 0
        if spare is not None and spare.is_ready():
            try:
                # the request as it came, for _receive in the spare
                client.send(spare.channel, len(body).to_bytes(8, "big") + body,
                            [conn.fileno(), *fds])
                pid, go = spare.pid, spare.channel.sendall
            except OSError:  # it has just ended: reaped as a spare that ended unused
                pass
        if not pid:
            self.spare, spare = spare, None  # still getting ready: kept for the next one
            go_r, go_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(go_w)
                self._detach()

                def wait() -> bool:
                    ok = os.read(go_r, 1) == b"1"
                    os.close(go_r)
                    return ok

                self._command(conn, req, fds, wait)
            os.close(go_r)

            def go(answer: bytes) -> None:
                os.write(go_w, answer)
                os.close(go_w)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # it has already made its own group, or already ended
        for fd in fds:
            os.close(fd)
        conn.setblocking(True)
        conn.settimeout(1.0)
        try:
            conn.sendall(f"pid {pid}\n".encode("ascii"))
        except OSError:
            pass
        changed = _stale(self.files) if self.changes.maybe() else None
        try:
            go(b"0" if changed else b"1")
        except OSError:
            pass  # it ended: reaped below, and the asking process told how
        if spare is not None:
            spare.channel.close()
        if changed:
            self.log(f"stale: {changed} changed since the server started; stopping")
            self._refuse(conn, f"stale {changed}")
            self._stop()
            return
        self.children[pid] = conn
        self.served += 1

    def _make_spare(self) -> None:
        """Fork the process the next command will be handed to. It has the time until
        then to copy the memory a command would write into (each page written for the
        first time after a fork costs a copy and a fault: thousands of them, some ten
        milliseconds, in a build of one web page) and to do the first-call work of the
        command line (``warm``); then it waits for a command."""
        channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                channel.close()
                self._detach()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                prefault()
                self.warm()
                theirs.settimeout(None)
                theirs.sendall(b"r")  # ready
                body, fds = self._receive(theirs, 4)
                req = parse(body) if body is not None else "ended"
                if isinstance(req, str) or len(fds) != 4:
                    os._exit(0)  # the server stopped, or is not itself
                conn = socket.socket(fileno=fds[0])

                def wait() -> bool:
                    return theirs.recv(1) == b"1"

                self._command(conn, req, fds[1:], wait)
            except BaseException:  # noqa: BLE001 - never return to the server's loop
                code = _report_crash()
            os._exit(code)
        theirs.close()
        self.spare = _Spare(pid, channel)

    def _detach(self) -> None:
        """In a forked process: let go of the server's sockets, signals and spare."""
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        self.listener.close()
        for held in self.children.values():
            held.close()
        if self.spare is not None:
            self.spare.channel.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        os.close(self.lock)
        self.changes.close()

    def _command(self, conn: socket.socket, req: Request, fds: list[int],
                 go: Callable[[], bool]) -> None:
        """In the command's process: take the asking process's place, wait for the
        server's go, run the command, send its exit status; never returns."""
        code = 1
        try:
            self._become(conn, req, fds)
            if not go():
                os._exit(0)
            code = self.run_command(req.argv) & 0xFF
            try:
                conn.sendall(f"exit {code}\n".encode("ascii"))  # before the process ends
            except OSError:
                pass  # the asking process is gone
        except BaseException:  # noqa: BLE001 - whatever happens, never return to the loop
            code = _report_crash()
        os._exit(code)

    def _become(self, conn: socket.socket, req: Request, fds: list[int]) -> None:
        """In the command's process: take the asking process's place."""
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)
        _take_limits(req)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(req.cwd)
        os.umask(req.umask)
        os.environ.clear()
        os.environ.update(req.env)
        time.tzset()
        try:
            import locale

            locale.setlocale(locale.LC_CTYPE, "")
        except Exception:  # noqa: BLE001 - an unknown locale: Python's start keeps C too
            pass
        from .machine import cache_dir

        cache_dir.cache_clear()
        streams = []
        for fd, (encoding, errors) in enumerate(req.streams):
            stream = open(fd, "r" if fd == 0 else "w", encoding=encoding, errors=errors,
                          closefd=False)
            if fd == 2:
                stream.reconfigure(line_buffering=True)
            streams.append(stream)
        sys.stdin, sys.stdout, sys.stderr = streams


class _Spare:
    """The process the next command is handed to, and this end of its socket pair."""

    def __init__(self, pid: int, channel: socket.socket) -> None:
        self.pid = pid
        self.channel = channel
        self.ready = False

    def is_ready(self) -> bool:
        """Whether it has said it is ready (its memory copied): a command handed to it
        before that would wait for it, and a process forked for it is quicker."""
        if not self.ready:
            try:
                self.ready = self.channel.recv(1, socket.MSG_DONTWAIT) == b"r"
            except OSError:
                pass
        return self.ready


MADV_POPULATE_WRITE = 23
"""Linux 5.14's advice to fault pages in as written, without writing them."""
PREFAULT_LIMIT = 64 << 20
"""A mapping larger than this is left to fault page by page: a large one is mostly space
reserved and never written (copying it would only cost memory)."""


def prefault() -> int:
    """Copy now every page of this process's private writable memory that a fork shares
    with its parent, the copies a command would otherwise make on its first write to
    each (the contents do not change); the bytes done. Nothing on a kernel without the
    advice."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    madvise = libc.madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    try:
        with open("/proc/self/maps") as maps:
            lines = maps.readlines()
    except OSError:
        return 0
    done = 0
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) < 5 or not fields[1].startswith("rw") or fields[1][3:4] != "p":
            continue
        name = fields[5].strip() if len(fields) > 5 else ""
        if name.startswith("[") and name != "[heap]":
            continue  # the stack (written anyway), the kernel's own pages
        low, high = (int(x, 16) for x in fields[0].split("-"))
        if high - low > PREFAULT_LIMIT:
            continue
        if madvise(low, high - low, MADV_POPULATE_WRITE) == 0:
            done += high - low
        elif ctypes.get_errno() == errno.EINVAL:
            return done  # a kernel before 5.14
    return done


def _report_crash() -> int:
    import traceback

    try:
        traceback.print_exc()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    return 1


def preload(languages: list[str]) -> None:
    """Import what commands use, and read the CLDR data of ``languages`` (what Babel
    reads on first use; it depends on Babel's files only). Nothing that builds."""
    import gc
    import importlib

    from babel import localedata

    from .i18n.languages import identifier
    from .matrix import load_engines
    from .writers import FORMATS

    for name in PRELOAD:
        importlib.import_module(name)
    load_engines(tuple(FORMATS))
    for tag in ["en", *languages]:
        try:
            ident = identifier(tag)
        except ValueError:
            continue
        if localedata.exists(ident):
            localedata.load(ident)
    gc.collect()
    gc.freeze()  # a command's collections skip what is loaded: fewer pages copied after fork


def project_languages(root: Path) -> list[str]:
    """The languages of a project's catalogue folders (``locales/uk`` ...)."""
    from .i18n.languages import normalize

    found = []
    try:
        names = sorted(p.name for p in (root / "locales").iterdir() if p.is_dir())
    except OSError:
        return []
    for name in names:
        try:
            found.append(normalize(name))
        except ValueError:
            continue
    return found


def main(idle: float, languages: list[str], run: Callable[[list[str]], int],
         warm: Callable[[], None]) -> None:
    """The server process (``publisher server run``, started by :func:`start`): bind,
    preload, report ``ready PID`` on standard output (the starter waits for that line),
    then serve; ``run(argv)`` runs one command in a forked process, giving its exit code;
    ``warm()`` does a command's first-call work that depends on no project and no
    environment, in the process the next command will run in."""
    path = client.socket_path()
    os.chdir("/")
    try:
        check_folder(client.folder())
        lock = _lock(path)
        if control(path, "status") is not None:  # anything that answers: keep off its socket
            raise ServerError("a build server is already running", path)
        preload(languages)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(path)  # a socket left by a server that was killed
        except FileNotFoundError:
            pass
        try:
            listener.bind(path)
        except OSError as exc:
            raise ServerError(f"cannot listen there: {exc}", path) from None
        listener.listen(64)
        listener.setblocking(False)
        server = Server(listener, path, idle, run, warm, lock)
    except PublisherError as exc:
        print(f"error {json.dumps([exc.message, exc.path])}", flush=True)
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} cannot start: {exc.message}",
              file=sys.stderr, flush=True)  # the log: a command that started it is gone
        os._exit(1)
    print(f"ready {os.getpid()}", flush=True)
    try:
        os.unlink(client.starting(path))  # the next command that finds none may start one
    except OSError:
        pass
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    server.log(f"started, pid {os.getpid()}, stops after {idle:g} s without a command, {path}")
    server.run()
    server.log("stopped")
    os._exit(0)


def _lock(path: str) -> int:
    """Hold the installation's lock file for as long as this server runs (released by
    the system when it ends): of two servers started at once (two commands that each
    found none), the second stops here instead of taking the first one's socket."""
    import fcntl

    fd = os.open(client.beside(path, ".lock"),
                 os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise ServerError("a build server is already running", path) from None
    return fd


def control(path: str, word: str) -> list[str] | None:
    """Ask a server ``status`` or ``stop``; its answer's words, or None if none answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5.0)
            sock.connect(path)
            body = f"{CONTROL}\0{word}".encode("ascii")
            sock.sendall(len(body).to_bytes(8, "big") + body)
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = sock.recv(256)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return None
    words = answer.decode("ascii", "replace").split()
    return words or None


def start(idle: float, languages: list[str]) -> int:
    """Start this installation's server in the background; its pid. ``languages``: whose
    CLDR data to read ahead (those of the project it is started in)."""
    path = client.socket_path()
    check_folder(client.folder())
    running = status()
    if running is not None:
        raise ServerError(f"a build server is already running (pid {running['pid']})")
    try:
        log = client.open_log(path)
    except OSError as exc:
        raise ServerError(f"cannot open the server's log: {exc.strerror}",
                          client.log_path(path)) from None
    try:
        proc = cast(subprocess.Popen, client.spawn(
            ["server", "run", "--idle", str(idle), "--languages", ",".join(languages)],
            log, stdout=subprocess.PIPE))
    finally:
        os.close(log)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode("utf-8", "replace").strip()
    proc.stdout.close()
    word, _, rest = line.partition(" ")
    if word != "ready":
        proc.wait()
        try:
            message, where = json.loads(rest)
        except ValueError:
            message, where = "the build server did not start", client.log_path(path)
        raise ServerError(str(message), where if isinstance(where, str) else None)
    return int(rest)


def stop() -> int | None:
    """Ask this installation's server to stop; its pid, or None if none runs."""
    answer = control(client.socket_path(), "stop")
    if not answer or answer[0] != "stopping":
        return None
    return int(answer[1])


def status() -> dict[str, object] | None:
    answer = control(client.socket_path(), "status")
    if not answer or answer[0] != "status" or len(answer) != 6:
        return None
    return {"pid": int(answer[1]), "started": int(answer[2]), "commands": int(answer[3]),
            "running": int(answer[4]), "spare": int(answer[5]), "socket": client.socket_path()}
