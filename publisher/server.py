"""``publisher server``: an opt-in build server that keeps the command line and the
writers imported, so one command costs what its work costs.

Starting the interpreter and importing the command line, Markdown, YAML, Jinja, Babel,
python-docx and WeasyPrint takes longer than making one web page or one DOCX. A server
started once (``publisher server start``) has done that; every ``publisher`` command of
the same installation then reaches it through :mod:`publisher.client`, and it forks a
process for that one command, which becomes the command:

- the command's standard input, output and error are the ones of the ``publisher``
  process that asked (passed over the socket); so are its working folder, environment,
  umask and arguments; its exit status (or the signal that ended it) becomes that
  process's; the signals that process receives are passed on to the command's process
  group, as a terminal would send them;
- each command starts from the server's state after its imports and nothing else: the
  server itself never builds, so no cache of one command is seen by the next;
- the server refuses (and the command runs in its own process, as without a server) a
  process that differs in what it had from its start: the interpreter and its flags,
  the import path, the file-system encoding, library and font-configuration variables;
- before each command it checks that every module it imported is still the file on
  disk (same size, time and inode) and that no package was installed or removed in the
  folders packages are installed in; if one was (an upgrade, a ``git pull``), it refuses,
  finishes what runs, and exits.

The socket is in ``$XDG_RUNTIME_DIR/publisher-UID`` (else ``/tmp/publisher-UID``), a
folder of mode 0700 that must be this user's own; the server also checks the peer's user
id (``SO_PEERCRED``) before it reads a request. It exits after ``--idle`` seconds with
no command (default three hours) and on ``publisher server stop`` or SIGTERM, after the
commands that run have finished. CI does not need it: without a server nothing changes.
"""

from __future__ import annotations

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
from typing import Callable

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
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ServerError(f"cannot make the server's folder: {exc.strerror}", path) from None
    if not client.private(path):
        raise ServerError(f"not a private folder of this user (mode 0700, owned by uid "
                          f"{os.getuid()}); remove it or set XDG_RUNTIME_DIR", path)


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


def _module_files() -> dict[str, tuple[int, int, int]]:
    """The file of every module imported so far, and every folder packages are installed
    in (installing or removing one changes it), by (size, modification time, inode)."""
    names = [getattr(module, "__file__", None) for module in list(sys.modules.values())]
    found: dict[str, tuple[int, int, int]] = {}
    for name in [*names, *_install_folders()]:
        if isinstance(name, str) and name and name not in found:
            try:
                st = os.stat(name)
            except OSError:
                continue
            found[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


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
        argv = counted()
        env_items = counted()
        if at != len(items) or not cwd.startswith("/") or not 0 <= mask <= 0o777:
            return "malformed"
        env = {}
        for item in env_items:
            key, sep, value = item.partition("=")
            if not sep or not key:
                return "malformed"
            env[key] = value
    except (IndexError, ValueError):
        return "malformed"
    return Request(marks, cwd, mask, streams, argv, env)


class Server:
    """The accept loop. Single-threaded (it forks), so a command's process starts from a
    process with one thread."""

    def __init__(self, listener: socket.socket, path: str, idle: float,
                 run: Callable[[list[str]], int]) -> None:
        self.listener = listener
        self.run_command = run
        self.path = path
        self.idle = idle
        self.children: dict[int, socket.socket] = {}
        self.abandoned: set[int] = set()
        """Commands whose socket is no longer watched (their asking process went away)."""
        self.inode = os.stat(path).st_ino
        self.files = _module_files()
        self.marks = client.fingerprint()
        self.started = time.time()
        self.served = 0
        self.stopping = False
        self.last = time.monotonic()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)

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
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass
        self.listener.close()

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
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
            self._fork(conn, req, fds)
            fds = []
        except OSError as exc:
            self.log(f"request failed: {exc}")
            conn.close()
        finally:
            for fd in fds:
                os.close(fd)

    def _receive(self, conn: socket.socket) -> tuple[bytes | None, list[int]]:
        fds: list[int] = []
        data, ancillary, flags, _ = conn.recvmsg(65536, socket.CMSG_SPACE(3 * 4))
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
            answer = (f"status {os.getpid()} {int(self.started)} {self.served} "
                      f"{len(self.children)}\n")
        else:
            answer = "refused malformed\n"
        try:
            conn.sendall(answer.encode("ascii"))
        except OSError:
            pass
        conn.close()

    def _fork(self, conn: socket.socket, req: Request, fds: list[int]) -> None:
        """Fork the command's process; while it takes the asking process's place, check
        that no imported module changed on disk, then let it run (or end it unseen)."""
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(go_w)
                self._become(conn, req, fds)
                if os.read(go_r, 1) != b"1":
                    os._exit(0)
                os.close(go_r)
                code = self.run_command(req.argv) & 0xFF
                try:
                    conn.sendall(f"exit {code}\n".encode("ascii"))  # before the process ends
                except OSError:
                    pass  # the asking process is gone
            except BaseException:  # noqa: BLE001 - whatever happens, never return to the loop
                code = _report_crash()
            os._exit(code)
        os.close(go_r)
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
        changed = _stale(self.files)
        if changed:
            os.write(go_w, b"0")
            os.close(go_w)
            self.log(f"stale: {changed} changed since the server started; stopping")
            self._refuse(conn, f"stale {changed}")
            self._stop()
            return
        os.write(go_w, b"1")
        os.close(go_w)
        self.children[pid] = conn
        self.served += 1

    def _become(self, conn: socket.socket, req: Request, fds: list[int]) -> None:
        """In the forked process: take the asking process's place."""
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)
        self.listener.close()
        for held in self.children.values():
            held.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
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


def main(idle: float, languages: list[str], run: Callable[[list[str]], int]) -> None:
    """The server process (``publisher server run``, started by :func:`start`): bind,
    preload, report ``ready PID`` on standard output (the starter waits for that line),
    then serve; ``run(argv)`` runs one command in a forked process, giving its exit code."""
    path = client.socket_path()
    os.chdir("/")
    try:
        check_folder(client.folder())
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
        server = Server(listener, path, idle, run)
    except PublisherError as exc:
        print(f"error {json.dumps([exc.message, exc.path])}", flush=True)
        os._exit(1)
    print(f"ready {os.getpid()}", flush=True)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    server.log(f"started, pid {os.getpid()}, {path}")
    server.run()
    server.log("stopped")
    os._exit(0)


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
    log = open(path[:-len(".sock")] + ".log", "ab")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
             "-m", "publisher", "server", "run", "--idle", str(idle),
             "--languages", ",".join(languages)],
            env={**os.environ, "PUBLISHER_SERVER": "off"},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
            start_new_session=True, close_fds=True)
    finally:
        log.close()
    assert proc.stdout is not None
    line = proc.stdout.readline().decode("utf-8", "replace").strip()
    proc.stdout.close()
    word, _, rest = line.partition(" ")
    if word != "ready":
        proc.wait()
        try:
            message, where = json.loads(rest)
        except ValueError:
            message, where = "the build server did not start", log.name
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
    if not answer or answer[0] != "status" or len(answer) != 5:
        return None
    return {"pid": int(answer[1]), "started": int(answer[2]), "commands": int(answer[3]),
            "running": int(answer[4]), "socket": client.socket_path()}
