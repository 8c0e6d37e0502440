"""The ``publisher`` command's first step (:mod:`publisher.__main__`): hand the command to
a running build server (started by an earlier command or by ``publisher server start``,
see :mod:`publisher.server`), or let it run in this process.

A server is an idle process of this installation with the command line and the writers
already imported. For each command it forks a process that takes this one's place: the
same standard input, output and error (passed over the socket, so a terminal stays a
terminal), working folder, environment, umask and arguments, and its exit status becomes
this one's. Signals this process receives (Ctrl-C, a CI job's timeout) are passed on to it.

Nothing here may cost time when no server runs: this module imports nothing beyond what
the interpreter has already loaded, and without a socket the command runs in this
process. A server that does not match this process exactly (another interpreter,
other flags, another import path, its code changed on disk since it started, a hard
resource limit below this process's) refuses, and the command runs here.

``PUBLISHER_SERVER`` says what a command does about a server (:func:`mode`):

- ``auto`` (the default, except in CI): use this installation's server; when none runs,
  run here and then start one in the background for the next commands
  (:func:`start_for_next`), which stops after :data:`AUTO_IDLE` seconds without one;
- ``manual`` (the default in CI, where every job starts afresh): use a server that was
  started (``publisher server start``), never start one;
- ``off``: never use one.
"""

from __future__ import annotations

import os
import sys

PROTOCOL = "publisher-server-2"
FLAGS = ("debug", "inspect", "interactive", "optimize", "dont_write_bytecode",
         "no_user_site", "no_site", "ignore_environment", "verbose", "bytes_warning",
         "quiet", "hash_randomization", "isolated", "dev_mode", "utf8_mode",
         "warn_default_encoding", "int_max_str_digits")
"""Interpreter flags that must be the same in the server (``safe_path`` may differ: the
server always runs with it, a command's first import folder is dropped instead)."""
PROCESS_ENV = ("LD_LIBRARY_PATH", "LD_PRELOAD", "PYTHONHASHSEED", "FONTCONFIG_FILE",
               "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")
"""Variables that act when a process starts or loads its libraries, not when a command
runs: a server started under other values refuses."""
FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
LIMIT = 1 << 20
"""Largest request a server reads (arguments and environment)."""
RESOURCE_LIMITS = ("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE",
                   "RLIMIT_LOCKS", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
                   "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO",
                   "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK")
"""The limits a process inherits (``ulimit``): a command run by a server has the asking
process's, and a server whose hard limit is lower than one of them refuses."""


def folder() -> str:
    """This user's folder for server sockets: ``$XDG_RUNTIME_DIR/publisher-UID``, else
    ``/tmp/publisher-UID`` (a server makes it mode 0700 and checks it is its own)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or ""
    if not base.startswith("/"):
        base = "/tmp"
    return os.path.join(base, f"publisher-{os.getuid()}")


def installation() -> str:
    """What a server serves: this interpreter and this copy of the package."""
    here = os.path.dirname(os.path.realpath(__file__))
    return repr((sys.executable, here, sys.version))


def socket_path() -> str:
    """The socket of this installation's server (short: socket paths are limited)."""
    import zlib

    key = installation().encode("utf-8", "surrogateescape")
    return os.path.join(folder(), f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}.sock")


def fingerprint() -> list[str]:
    """Everything a command's process has from its start that a server must share."""
    path = sys.path[:] if sys.flags.safe_path else sys.path[1:]
    return [installation(), repr([getattr(sys.flags, n, None) for n in FLAGS]),
            sys.getfilesystemencoding(), sys.getfilesystemencodeerrors(),
            repr(sys.warnoptions), repr(sorted(sys._xoptions.items())),
            *(f"{n}={os.environ.get(n, '')}" for n in PROCESS_ENV), *path]


def _stream(stream: object) -> list[str]:
    return [getattr(stream, "encoding", None) or "utf-8",
            getattr(stream, "errors", None) or "strict"]


def limits() -> list[str]:
    """This process's niceness, then ``NAME=SOFT:HARD`` for each resource limit (-1: none)."""
    import resource

    found = [str(os.getpriority(os.PRIO_PROCESS, 0))]
    for name in RESOURCE_LIMITS:
        which = getattr(resource, name, None)
        if which is not None:
            soft, hard = resource.getrlimit(which)
            found.append(f"{name}={soft}:{hard}")
    return found


def request(argv: list[str]) -> bytes:
    """One command as the server reads it: NUL-separated strings, counted lists."""
    mask = os.umask(0o022)
    os.umask(mask)
    marks = fingerprint()
    env = [f"{k}={v}" for k, v in os.environ.items()]
    held = limits()
    items = [PROTOCOL, str(len(marks)), *marks, os.getcwd(), str(mask),
             *_stream(sys.stdin), *_stream(sys.stdout), *_stream(sys.stderr),
             str(len(held)), *held, str(len(argv)), *argv, str(len(env)), *env]
    body = b"\0".join(s.encode("utf-8", "surrogateescape") for s in items)
    return len(body).to_bytes(8, "big") + body


def send(sock: object, data: bytes, fds: list[int]) -> None:
    """``data`` (a length-prefixed request) with the descriptors ``fds`` passed along,
    on a Unix socket: how a request reaches a server, and the server's spare process."""
    import _socket

    passed = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, passed)])  # type: ignore[attr-defined]
    if sent < len(data):
        sock.sendall(data[sent:])  # type: ignore[attr-defined]


def beside(path: str, suffix: str) -> str:
    """The file of the server of the socket ``path`` named with ``suffix`` (its lock, log
    and start stamp sit next to the socket)."""
    return path[:-len(".sock")] + suffix


def starting(path: str) -> str:
    """The stamp a command leaves when it starts a server for the socket ``path``."""
    return beside(path, ".starting")


LOG_LIMIT = 1 << 18
"""Bytes of server log kept: a longer log is moved to ``.log.1`` when a server starts."""


def log_path(path: str) -> str:
    """The log of the server of the socket ``path``."""
    return beside(path, ".log")


def open_log(path: str) -> int:
    """The log of the server of the socket ``path``, opened to append (the previous one
    moved aside first when it has grown past :data:`LOG_LIMIT`)."""
    name = log_path(path)
    try:
        if os.lstat(name).st_size > LOG_LIMIT:
            os.replace(name, name + ".1")
    except OSError:
        pass
    return os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                   0o600)


def spawn(args: list[str], log: int, cwd: str | None = None, stdout: int | None = None,
          ) -> object:
    """``python -m publisher ARGS`` (a server) with this interpreter and its flags, in a
    session of its own, with none of this process's descriptors: standard input from
    nowhere, standard error to ``log`` (a descriptor, see :func:`open_log`), standard
    output to ``stdout`` (nowhere by default). Its ``subprocess.Popen``."""
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-P", *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
         "-m", "publisher", *args],
        env={**os.environ, "PUBLISHER_SERVER": "off"}, cwd=cwd, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if stdout is None else stdout, stderr=log,
        start_new_session=True, close_fds=True)


def make_folder(path: str) -> str | None:
    """Make this user's socket folder ``path`` if it is missing; why it cannot hold a
    server's socket (None if it can: a folder of this user's nobody else can open)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        return f"cannot make the server's folder: {exc.strerror}"
    if not private(path):
        return (f"not a private folder of this user (mode 0700, owned by uid {os.getuid()}); "
                "remove it or set XDG_RUNTIME_DIR")
    return None


def _connect(path: str) -> object | None:
    """A socket connected to ``path``, or None when nothing listens there (no socket,
    or one left by a server that was killed)."""
    import _socket

    try:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def _ask(path: str, argv: list[str]) -> int | None:
    """Run the command in the server; its exit status, or None when no server took it."""
    sock = _connect(path)
    if sock is None:
        return None
    try:
        send(sock, request(argv), [0, 1, 2])
        return _follow(sock)
    except OSError:
        return None
    finally:
        sock.close()  # type: ignore[attr-defined]


def _answers(path: str) -> bool:
    """Whether a server listens on ``path``."""
    sock = _connect(path)
    if sock is None:
        return False
    sock.close()  # type: ignore[attr-defined]
    return True


def _lines(sock: object) -> object:
    buffer = b""
    while True:
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("ascii", "replace")
        chunk = sock.recv(256)  # type: ignore[attr-defined]
        if not chunk:
            return
        buffer += chunk


def _follow(sock: object) -> int | None:
    """Read the server's answer: ``pid N`` (the command's process, which signals are
    passed on to), then ``exit N`` or ``signal N``; or ``refused REASON``."""
    import _signal

    global _found
    pid = 0
    previous: dict[int, object] = {}

    def forward(signum: int, frame: object) -> None:
        try:
            os.killpg(pid, signum)
        except OSError:
            pass

    try:
        for line in _lines(sock):  # type: ignore[attr-defined]
            word, _, value = line.partition(" ")
            number = int(value) if value.isdigit() else -1
            if word == "refused":
                _found = "refused"
                if value.startswith("stale"):
                    _found = "stale"
                    print("publisher: the build server's code changed since it started; it "
                          "has stopped and this command runs without it", file=sys.stderr)
                return None
            if word == "pid" and number > 0 and not pid:
                pid = number
                for name in FORWARDED:
                    signum = getattr(_signal, name)
                    previous[signum] = _signal.signal(signum, forward)
            elif word == "exit" and pid and 0 <= number < 256:
                return number
            elif word == "signal" and pid and 0 < number < 65:
                _signal.signal(number, _signal.SIG_DFL)
                os.kill(os.getpid(), number)
                return 128 + number
    except OSError:
        pass
    finally:
        for signum, handler in previous.items():
            _signal.signal(signum, handler)  # type: ignore[arg-type]
    if not pid:
        return None  # the server went away before taking the command: run it here
    print("publisher: error: the build server ended without the command's exit status",
          file=sys.stderr)
    return 1


def private(path: str) -> bool:
    """Whether ``path`` is a folder of this user's that nobody else can open: only then
    is a socket in it this user's own server (another user could otherwise make the
    folder first, in /tmp, and receive this process's terminal and environment)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_mode & 0o170000 == 0o040000 and st.st_uid == os.getuid()
            and not st.st_mode & 0o077)


CI_VARIABLES = ("CI", "BUILD_NUMBER", "JENKINS_URL", "TF_BUILD", "TEAMCITY_VERSION",
                "CODEBUILD_BUILD_ID", "BITBUCKET_BUILD_NUMBER")
"""Set by CI services (``CI`` by GitHub, GitLab, CircleCI, Travis, Buildkite and others):
where any is set (to anything but ``0``, ``false`` or ``no``), no command starts a server
of its own."""
AUTO_COMMANDS = frozenset(("build", "check", "collect", "export", "extract", "import",
                           "proof", "review", "stats", "update"))
"""Commands after which a server is started (``auto``): not ``serve``, which keeps its
own engines loaded, nor ``server``, ``--help`` or ``--version``."""
AUTO_IDLE = 1800
"""Seconds without a command after which a server a command started stops by itself."""
AUTO_RETRY = 600.0
"""Seconds after a command started a server in which no other command starts one, unless
that server came up (it removes :func:`starting` once it listens): the first may still
be loading, or it failed, and its log says why; a command that starts a failing server
every time would load the writers in the background every time."""

_found = "none"
"""What :func:`ask` found: ``none`` (no server), ``refused``, ``stale`` (a server whose
code changed: it stops) or ``off``."""


def mode() -> str:
    """``auto``, ``manual`` or ``off``: what ``PUBLISHER_SERVER`` asks (see above)."""
    value = os.environ.get("PUBLISHER_SERVER", "")
    if value in ("auto", "manual", "off"):
        return value
    ci = any(os.environ.get(name, "").lower() not in ("", "0", "false", "no")
             for name in CI_VARIABLES)
    return "manual" if ci else "auto"


def ask(argv: list[str]) -> int | None:
    """Run the command ``argv`` in this installation's build server: its exit status, or
    None when no server took it (none runs, ``PUBLISHER_SERVER=off``, it refused)."""
    global _found
    if mode() == "off":
        _found = "off"
        return None
    if not private(folder()):
        return None
    path = socket_path()
    if not os.path.exists(path):
        return None
    return _ask(path, argv)


def _project_folder(argv: list[str]) -> str | None:
    """The project folder ``argv`` names (``-C DIR``/``--project DIR``), else this one;
    None when the arguments do not ask for a command that starts a server."""
    root = "."
    words = iter(argv)
    for word in words:
        if word in ("-C", "--project"):
            root = next(words, ".")
        elif word.startswith("--project="):
            root = word[len("--project="):]
        elif word.startswith("-C") and len(word) > 2:
            root = word[2:]
        elif word in ("-h", "--help", "--version"):
            return None
        elif word.startswith("-"):
            continue
        else:
            if word not in AUTO_COMMANDS or "--help" in argv or "-h" in argv:
                return None
            return os.path.abspath(root)
    return None


def start_for_next(argv: list[str]) -> int | None:
    """After a command that ran here: start this installation's server in the background
    for the next commands, when ``PUBLISHER_SERVER`` is ``auto``, none runs, and no
    command started one in the last :data:`AUTO_RETRY` seconds that has not come up.
    The server's pid (it goes on loading after this process ends), or None. Says so on
    standard error, once."""
    if _found not in ("none", "stale") or mode() != "auto":
        return None
    root = _project_folder(argv)
    if root is None or not os.path.isdir(root):
        return None
    if make_folder(folder()) is not None:
        return None
    path = socket_path()
    stamp = starting(path)
    import time

    try:
        if time.time() - os.stat(stamp).st_mtime < AUTO_RETRY:
            return None
    except OSError:
        pass
    try:
        os.close(os.open(stamp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600))
        os.utime(stamp)
    except OSError:
        return None
    if _answers(path):
        return None  # one came up while this command ran
    try:
        log = open_log(path)
    except OSError:
        return None
    try:
        pid: int = spawn(["-C", root, "server", "run", "--idle", str(AUTO_IDLE)], log,
                         cwd=root).pid  # type: ignore[attr-defined]
    except OSError:
        return None
    finally:
        os.close(log)
    try:
        print(f"publisher: started a build server for the next commands (pid {pid}; "
              f"it stops after {AUTO_IDLE // 60} min without one, or on `publisher server "
              f"stop`; PUBLISHER_SERVER=manual never starts one)", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
    return pid
