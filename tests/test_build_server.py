"""``publisher server``: a command handed to the build server behaves as the same command
run in its own process (outputs, messages, exit code, folder, environment, umask,
signals), and the server refuses what it cannot serve faithfully."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import given, strategies as st

from publisher import client, server

from .conftest import ROOT, alive, copy_project, descendants, proc_stat, wait_for

SAMPLE = "seeds/fsc-pc-92-dprk.md"


class Setup:
    """A runtime folder of its own (short: socket paths are limited) and the environment
    that finds the server in it; ``pythonpath``: where ``publisher`` is imported from."""

    def __init__(self, pythonpath: Path = ROOT) -> None:
        self.run_dir = Path(tempfile.mkdtemp(prefix="pub-"))
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(self.run_dir),
                    "PYTHONPATH": str(pythonpath), "PUBLISHER_SERVER": "manual"}
        """``manual``: the server a test starts serves its commands, and a command that
        runs alone starts none (see the auto-start tests)."""
        self.pid: int | None = None
        self.started = ""
        """The server's start time (/proc), to tell its pid from a reused one."""

    def cli(self, *args: str, cwd: Path, env: dict[str, str] | None = None,
            python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *python, "-m", "publisher", *args], cwd=cwd,
                              env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=600)

    def start(self, cwd: Path, *args: str) -> int:
        proc = self.cli("server", "start", *args, cwd=cwd)
        assert proc.returncode == 0, proc.stderr
        self.pid = int(proc.stdout.split("pid ")[1].rstrip(")\n"))
        self.started = (proc_stat(self.pid) or [""] * 20)[19]
        return self.pid

    def gone(self) -> bool:
        return self.pid is None or not alive(self.pid, self.started)

    def status(self, cwd: Path) -> dict[str, object] | None:
        proc = self.cli("server", "status", cwd=cwd, env={"PUBLISHER_SERVER": "off"})
        if proc.returncode != 0:
            assert "no build server is running" in proc.stdout
            return None
        found = re.search(r"\(pid (\d+), since .*?, (\d+) command\(s\), \d+ running, "
                          r"next one (ready|getting ready);", proc.stdout)
        assert found, proc.stdout
        return {"pid": int(found[1]), "commands": int(found[2]), "ready": found[3] == "ready"}

    def close(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            wait_for(self.gone, "the server to stop")
        shutil.rmtree(self.run_dir, ignore_errors=True)


@pytest.fixture
def setup() -> Iterator[Setup]:
    s = Setup()
    try:
        yield s
    finally:
        s.close()


def children(setup: Setup) -> tuple[list[int], list[int]]:
    """The server's own child processes: the commands' (each leads a process group of its
    own, with its workers) and the spare, the next command's (in the server's group)."""
    commands: list[int] = []
    spare: list[int] = []
    for pid in descendants(setup.pid):  # type: ignore[arg-type]
        fields = proc_stat(pid) or ["", "", ""]
        if fields[1] == str(setup.pid):
            (commands if fields[2] == str(pid) else spare).append(pid)
    return commands, spare


def outputs(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "build").rglob("*")) if p.is_file()
            and p.name != ".publisher-cache.json"}


def summary(text: str) -> dict[str, object]:
    found = json.loads(text)
    for key in ("seconds", "peak_worker_rss_mb"):
        found.pop(key)
    return found


def test_a_build_through_the_server_is_the_build_without_it(setup, tmp_path):
    here = copy_project(tmp_path / "here")
    there = copy_project(tmp_path / "there")
    setup.start(here)
    args = ("build", SAMPLE, "--lang", "uk,ar", "--format", "html,docx", "--json")
    served = setup.cli(*args, cwd=here)
    alone = setup.cli(*args, cwd=there, env={"PUBLISHER_SERVER": "off"})
    assert served.returncode == alone.returncode == 0, served.stderr + alone.stderr
    assert summary(served.stdout) == summary(alone.stdout)
    made = outputs(here)
    assert made == outputs(there)
    assert {f"build/fsc-pc-92-dprk/fsc-pc-92-dprk.{lang}.{fmt}" for lang in ("uk", "ar")
            for fmt in ("html", "docx")} | {"build/index.html", "build/manifest.json"} <= set(made)
    assert setup.status(here)["commands"] == 1  # type: ignore[index]


def test_a_failing_command_fails_the_same_way(setup, tmp_path):
    here = copy_project(tmp_path / "here")
    po = here / "locales" / "uk" / "LC_MESSAGES" / "fsc-pc-92-dprk.po"
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "unterminated\n', encoding="utf-8")
    setup.start(here)
    args = ("build", SAMPLE, "--lang", "uk", "--format", "html")
    served = setup.cli(*args, cwd=here)
    alone = setup.cli(*args, cwd=here, env={"PUBLISHER_SERVER": "off"})
    assert served.returncode == alone.returncode == 1
    timeless = [re.sub(r"in \d+\.\d+ s", "in T s", p.stderr) for p in (served, alone)]
    assert timeless[0] == timeless[1] and "fsc-pc-92-dprk.po:" in served.stderr
    assert setup.status(here)["commands"] == 1  # type: ignore[index]
    usage = setup.cli("build", "--no-such-option", cwd=here)
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_the_command_has_the_callers_folder_environment_and_umask(setup, tmp_path):
    project = copy_project(tmp_path / "project")
    setup.start(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import os, subprocess, sys; os.umask(0o027); sys.exit(subprocess.call("
            "[sys.executable, '-m', 'publisher', '-C', '../project', 'build', sys.argv[1],"
            " '--lang', 'en', '--format', 'html', '--json']))")
    for run, env in (("served", {}), ("alone", {"PUBLISHER_SERVER": "off"})):
        proc = subprocess.run([sys.executable, "-c", code, f"../project/{SAMPLE}"], cwd=elsewhere,
                              env={**setup.env, "SOURCE_DATE_EPOCH": "1700000000", **env},
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        folder = project / "build" / "fsc-pc-92-dprk"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o750, run
        page = (folder / "fsc-pc-92-dprk.en.html").read_bytes()
        if run == "served":
            first = page
            shutil.rmtree(project / "build")
    assert page == first
    assert not (elsewhere / "build").exists()
    assert setup.status(tmp_path)["commands"] == 1  # type: ignore[index]


def test_ctrl_c_reaches_the_command_and_its_workers(setup, tmp_path):
    """A terminal sends Ctrl-C to the asking process; it passes it on to the command's
    process group, and the build stops as it does without a server."""
    root = copy_project(tmp_path / "p")
    setup.start(root)
    stderr = root / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "publisher", "build", "--format",
                                 "html,pdf", "--lang", "en,fr,de,it", "-j", "2"], cwd=root,
                                env=setup.env, stdout=subprocess.DEVNULL, stderr=err)
    wait_for(lambda: ".pdf (" in stderr.read_text(encoding="utf-8") or proc.poll() is not None,
             "the first PDF", timeout=120)
    assert proc.poll() is None, stderr.read_text(encoding="utf-8")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 1
    said = stderr.read_text(encoding="utf-8")
    assert "Traceback" not in said and "Aborted" in said, said
    assert not (root / "build" / "manifest.json").exists()
    wait_for(lambda: setup.status(root), "the server")  # it keeps running
    assert setup.status(root)["commands"] == 1  # type: ignore[index]


def test_a_killed_caller_takes_its_command_down(setup, tmp_path):
    root = copy_project(tmp_path / "p")
    setup.start(root)
    stderr = root / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "publisher", "build", "--format", "pdf",
                                 "-j", "1"], cwd=root, env=setup.env,
                                stdout=subprocess.DEVNULL, stderr=err)
    wait_for(lambda: "[1/" in stderr.read_text(encoding="utf-8") or proc.poll() is not None,
             "the first output", timeout=120)
    assert proc.poll() is None
    below = descendants(setup.pid)  # type: ignore[arg-type]
    (_command,), (spare,) = children(setup)  # the command's process, the next one's
    proc.kill()
    proc.wait()
    wait_for(lambda: not any(alive(p, t) for p, t in below.items() if p != spare),
             "the command and its workers to end")
    assert alive(spare, below[spare])
    assert not (root / "build" / "manifest.json").exists()


def test_a_process_that_differs_is_not_served(setup, tmp_path):
    """Another hash seed or interpreter flag: the command runs in its own process."""
    root = copy_project(tmp_path / "p")
    setup.start(root)
    args = ("build", SAMPLE, "--lang", "en", "--format", "html")
    seeded = setup.cli(*args, cwd=root, env={"PYTHONHASHSEED": "7"})
    flagged = setup.cli(*args, cwd=root, python=("-X", "dev"))
    assert seeded.returncode == flagged.returncode == 0, seeded.stderr + flagged.stderr
    assert setup.status(root)["commands"] == 0  # type: ignore[index]


def test_a_changed_module_stops_the_server_and_the_command_runs_alone(tmp_path):
    package = tmp_path / "installed"
    shutil.copytree(ROOT / "publisher", package / "publisher",
                    ignore=shutil.ignore_patterns("__pycache__"))
    s = Setup(pythonpath=package)
    try:
        root = copy_project(tmp_path / "p")
        s.start(root)
        args = ("build", SAMPLE, "--lang", "en", "--format", "html")
        assert s.cli(*args, cwd=root).returncode == 0
        assert s.status(root)["commands"] == 1  # type: ignore[index]
        changed = package / "publisher" / "links.py"
        changed.write_text(changed.read_text(encoding="utf-8") + "\n# upgraded\n",
                           encoding="utf-8")
        (root / "build").rename(root / "old")
        after = s.cli(*args, cwd=root)
        assert after.returncode == 0, after.stderr
        assert "code changed since it started" in after.stderr
        assert (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.html").is_file()
        wait_for(s.gone, "the stale server to stop")
        assert s.status(root) is None
        assert list((s.run_dir / f"publisher-{os.getuid()}").glob("*.sock")) == []
    finally:
        s.close()


def test_start_stop_status_and_idle(setup, tmp_path):
    assert setup.status(tmp_path) is None
    pid = setup.start(tmp_path, "--idle", "600")
    again = setup.cli("server", "start", cwd=tmp_path)
    assert again.returncode == 1 and f"already running (pid {pid})" in again.stderr
    assert setup.status(tmp_path)["pid"] == pid  # type: ignore[index]
    shown = setup.cli("server", "status", cwd=tmp_path)  # never handed to the server itself
    assert "0 command(s), 0 running" in shown.stdout, shown.stdout
    stopped = setup.cli("server", "stop", cwd=tmp_path, env={"PUBLISHER_SERVER": "off"})
    assert stopped.returncode == 0 and f"pid {pid}" in stopped.stdout
    wait_for(setup.gone, "the server to stop")
    folder = setup.run_dir / f"publisher-{os.getuid()}"
    assert list(folder.glob("*.sock")) == []
    assert setup.cli("server", "stop", cwd=tmp_path).stdout == "no build server is running\n"
    pid = setup.start(tmp_path, "--idle", "1")
    wait_for(setup.gone, "the idle server to stop", timeout=20)
    assert list(folder.glob("*.sock")) == []


def test_a_folder_others_can_open_is_refused(setup, tmp_path):
    folder = setup.run_dir / f"publisher-{os.getuid()}"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    proc = setup.cli("server", "start", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{folder}: error: [server] not a private folder")
    assert not client.private(str(folder))
    folder.chmod(0o700)
    assert client.private(str(folder))
    link = setup.run_dir / "link"
    link.symlink_to(folder)
    assert not client.private(str(link))


def test_garbage_on_the_socket_is_refused_and_the_server_keeps_serving(setup, tmp_path):
    root = copy_project(tmp_path / "p")
    setup.start(root)
    path = str(next((setup.run_dir / f"publisher-{os.getuid()}").glob("*.sock")))
    for data in (b"", b"\x00" * 8, (40).to_bytes(8, "big") + b"x" * 40,
                 (1 << 40).to_bytes(8, "big"), (5).to_bytes(8, "big") + b"publi"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(path)
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            answer = sock.recv(100)
        assert answer.startswith(b"refused "), (data, answer)
    proc = setup.cli("build", SAMPLE, "--lang", "en", "--format", "html", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert setup.status(root)["commands"] == 1  # type: ignore[index]


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\0",
                                                 blacklist_categories=("Cs",))), max_size=12))
def test_requests_are_read_back_and_nothing_else_is_a_request(words):
    body = client.request(words)[8:]
    req = server.parse(body)
    assert not isinstance(req, str)
    assert req.argv == words and req.cwd == os.getcwd()
    assert req.env == dict(os.environ) and req.marks == client.fingerprint()
    assert [str(req.nice), *(f"{k}={v[0]}:{v[1]}" for k, v in req.limits.items())] == \
        client.limits()
    junk = b"\0".join(w.encode("utf-8") for w in [client.PROTOCOL, *words])
    assert isinstance(server.parse(junk), (str, server.Request))


def test_a_package_installed_meanwhile_stops_the_server(tmp_path):
    """A folder packages are installed in that changed (a package added) is an upgrade
    too; a folder of the import path that holds no package (a checkout) is not."""
    installed = tmp_path / "site"
    (installed / "already-1.0.dist-info").mkdir(parents=True)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    s = Setup()
    s.env["PYTHONPATH"] = f"{ROOT}:{installed}:{checkout}"
    try:
        root = copy_project(tmp_path / "p")
        s.start(root)
        args = ("build", SAMPLE, "--lang", "en", "--format", "html")
        assert s.cli(*args, cwd=root).returncode == 0
        (checkout / "notes.txt").write_text("", encoding="utf-8")
        kept = s.cli(*args, cwd=root)
        assert kept.returncode == 0 and "changed" not in kept.stderr, kept.stderr
        assert s.status(root)["commands"] == 2  # type: ignore[index]
        (installed / "newly_installed-2.0.dist-info").mkdir()
        after = s.cli(*args, cwd=root)
        assert after.returncode == 0 and "code changed since it started" in after.stderr
        wait_for(s.gone, "the stale server to stop")
    finally:
        s.close()


ASK = """
import sys
from publisher import client
said = []
lines = client._lines
def recorded(sock):
    for line in lines(sock):
        said.append(line)
        yield line
client._lines = recorded
code = client.ask(sys.argv[1:])
print(code, *said, sep="\\n")
"""
"""The client as the console script runs it, printing the server's answer lines."""




def test_a_command_runs_in_the_spare_and_another_takes_its_place(setup, tmp_path):
    """The server forks the next command's process ahead (its memory copied, the command
    line parsed once); the command runs in it, a new spare is made, and stopping the
    server ends the spare."""
    root = copy_project(tmp_path / "p")
    setup.start(root)
    wait_for(lambda: setup.status(root)["ready"], "a spare process")  # type: ignore[index]
    first, = children(setup)[1]
    asked = subprocess.run([sys.executable, "-c", ASK, "build", SAMPLE, "--lang", "en",
                            "--format", "html"], cwd=root, env=setup.env,
                           capture_output=True, text=True, timeout=600)
    code, *said = asked.stdout.splitlines()
    assert code == "0", asked.stdout + asked.stderr
    assert said == [f"pid {first}", "exit 0"]
    assert (root / "build" / "fsc-pc-92-dprk" / "fsc-pc-92-dprk.en.html").is_file()
    wait_for(lambda: setup.status(root)["ready"], "the next spare")  # type: ignore[index]
    assert len(children(setup)[1]) == 1 and children(setup)[1] != [first]
    below = descendants(setup.pid)  # type: ignore[arg-type]
    assert setup.cli("server", "stop", cwd=root, env={"PUBLISHER_SERVER": "off"}).returncode == 0
    wait_for(setup.gone, "the server to stop")
    wait_for(lambda: not any(alive(p, t) for p, t in below.items()), "the spare to end")


def test_prefault_copies_shared_pages_without_changing_them():
    """After ``prefault`` a forked process writes into memory it shared with its parent
    without a page fault per page, and the memory holds what it held."""
    size = 16 << 20
    block = bytearray(os.urandom(size))
    digest = hashlib.sha256(block).digest()
    pid = os.fork()
    if pid == 0:
        import resource

        code = 1
        try:
            done = server.prefault()
            same = hashlib.sha256(block).digest() == digest
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            for at in range(0, size, 4096):
                block[at] ^= 0xFF
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
            code = 0 if done >= size and same and faults < size // 4096 // 10 else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_changes_are_seen_in_watched_folders_and_nothing_else(tmp_path):
    """The server's look for changed code before each command: a file written, touched,
    made, renamed or removed in a watched folder is seen once; a folder it does not
    watch is not looked at; without a watch every look says "maybe"."""
    code, other = tmp_path / "code", tmp_path / "other"
    code.mkdir()
    other.mkdir()
    module = code / "m.py"
    module.write_text("x = 1\n")
    changes = server.Changes([str(module)], [])
    try:
        assert changes.fd >= 0 and not changes.maybe()
        (other / "n.py").write_text("")
        assert not changes.maybe()
        for change in (lambda: module.write_text("x = 2\n"),
                       lambda: os.utime(module, ns=(1, 1)),
                       lambda: (code / "new.py").write_text(""),
                       lambda: (code / "new.py").rename(code / "newer.py"),
                       lambda: (code / "newer.py").unlink()):
            change()
            assert changes.maybe()
            assert not changes.maybe()
    finally:
        changes.close()
    unwatchable = server.Changes([str(tmp_path / "missing" / "m.py")], [])
    assert unwatchable.fd == -1 and unwatchable.maybe() and unwatchable.maybe()


def test_a_command_has_the_callers_niceness_and_resource_limits(setup, tmp_path):
    """``nice`` and ``ulimit`` act on the process they start; a command handed to the
    server runs in another process, which takes them on as it takes the caller's place."""
    root = copy_project(tmp_path / "p")
    setup.start(root)
    stderr = root / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen(["nice", "-n", "7", "prlimit", "--nofile=256:512",
                                 "--core=0:0", "--", sys.executable, "-m", "publisher", "build",
                                 "--format", "pdf", "-j", "1"], cwd=root, env=setup.env,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: "[1/" in stderr.read_text(encoding="utf-8") or proc.poll() is not None,
                 "the first output", timeout=120)
        assert proc.poll() is None, stderr.read_text(encoding="utf-8")
        command, _spare = children(setup)
        assert len(command) == 1
        assert (proc_stat(command[0]) or [""] * 17)[16] == "7"  # its niceness
        limits = Path(f"/proc/{command[0]}/limits").read_text()
        assert re.search(r"Max open files\s+256\s+512\s", limits), limits
        assert re.search(r"Max core file size\s+0\s+0\s", limits), limits
    finally:
        assert proc.wait(timeout=300) == 0, stderr.read_text(encoding="utf-8")
    assert setup.status(root)["commands"] == 1  # type: ignore[index]


def test_a_server_that_cannot_lower_itself_to_the_caller_refuses(monkeypatch):
    """An unprivileged process cannot raise a hard limit or its priority: a caller whose
    hard limit is above the server's, or who is less nice, runs the command itself."""
    import resource

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # never unlimited on Linux
    body = client.request(["--version"])[8:]
    req = server.parse(body)
    assert not isinstance(req, str) and req.limits is not None and hard != -1
    assert server.unservable(req) is None  # this very process's limits
    req.limits["RLIMIT_NOFILE"] = (soft, hard + 1)
    assert "RLIMIT_NOFILE" in (server.unservable(req) or "")
    req.limits["RLIMIT_NOFILE"] = (soft, -1)
    assert "RLIMIT_NOFILE" in (server.unservable(req) or "")
    req.limits["RLIMIT_NOFILE"] = (64, 128)
    assert server.unservable(req) is None  # lower: allowed
    req.nice = os.getpriority(os.PRIO_PROCESS, 0) - 1
    if req.nice >= -20:
        assert "priority" in (server.unservable(req) or "")


def outside_ci(**extra: str) -> dict[str, str]:
    """The environment of a command on a press officer's machine: no CI variable."""
    env = {k: v for k, v in os.environ.items() if k not in client.CI_VARIABLES}
    env.pop("PUBLISHER_SERVER", None)
    return {**env, **extra}


def test_the_first_command_starts_a_server_for_the_next_ones(setup, tmp_path):
    here = copy_project(tmp_path / "here")
    there = copy_project(tmp_path / "there")
    args = ("build", SAMPLE, "--lang", "uk", "--format", "html", "--json")
    env = outside_ci(XDG_RUNTIME_DIR=str(setup.run_dir), PYTHONPATH=str(ROOT))
    # The server must not hold the command's output pipes: this returns when the
    # command ends, not when the server does.
    first = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=here, env=env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    said = re.search(r"^publisher: started a build server for the next commands \(pid (\d+);",
                     first.stderr, re.M)
    assert said, first.stderr
    setup.pid = int(said[1])
    setup.started = (proc_stat(setup.pid) or [""] * 20)[19]
    found = wait_for(lambda: setup.status(here), "the started server to listen", timeout=60)
    assert found["pid"] == setup.pid and found["commands"] == 0
    fields = proc_stat(setup.pid) or []
    assert fields[2] == fields[3] == str(setup.pid)  # a session of its own: no terminal's signals
    folder = setup.run_dir / f"publisher-{os.getuid()}"
    log = next(folder.glob("*.log")).read_text()
    assert f"stops after {client.AUTO_IDLE} s without a command" in log, log
    second = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=there, env=env,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "started a build server" not in second.stderr
    assert setup.status(here)["commands"] == 1  # type: ignore[index]
    assert summary(second.stdout) == summary(first.stdout)
    assert outputs(here) == outputs(there)


@pytest.mark.parametrize("case", ["ci", "manual", "off", "version", "help", "serve help"])
def test_no_server_is_started_in_ci_when_asked_not_to_or_for_no_build(setup, tmp_path, case):
    root = copy_project(tmp_path / "p")
    env = outside_ci(XDG_RUNTIME_DIR=str(setup.run_dir), PYTHONPATH=str(ROOT))
    args = ["stats"]
    if case == "ci":
        env["CI"] = "true"
    elif case in ("manual", "off"):
        env["PUBLISHER_SERVER"] = case
    else:
        args = {"version": ["--version"], "help": ["stats", "--help"],
                "serve help": ["serve", "-h"]}[case]
    proc = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "build server" not in proc.stderr
    folder = setup.run_dir / f"publisher-{os.getuid()}"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_of_two_servers_started_at_once_one_runs(setup, tmp_path):
    both = [subprocess.Popen([sys.executable, "-m", "publisher", "server", "run", "--idle", "60"],
                             cwd=tmp_path, env=setup.env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    try:
        lines = sorted(proc.stdout.readline() for proc in both)  # type: ignore[union-attr]
        assert lines[0].startswith("error ") and "already running" in lines[0], lines
        assert lines[1].startswith("ready "), lines
        winner = int(lines[1].split()[1])
        loser = next(p for p in both if p.pid != winner)
        assert loser.wait(timeout=60) == 1
        assert setup.status(tmp_path)["pid"] == winner  # type: ignore[index]
    finally:
        for proc in both:
            proc.terminate()
            proc.wait(timeout=60)
            proc.stdout.close()  # type: ignore[union-attr]


@pytest.mark.parametrize("argv, wanted", [
    (["build"], "."), (["-v", "build", "seeds/x.md"], "."), (["-C", "sub", "check"], "sub"),
    (["--project=sub", "update"], "sub"), (["-Csub", "import", "d.docx"], "sub"),
    ([], None), (["--help"], None), (["--version"], None), (["build", "--help"], None),
    (["serve"], None), (["server", "status"], None), (["-C", "sub"], None),
])
def test_which_commands_start_a_server(argv, wanted, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert client._project_folder(argv) == (None if wanted is None
                                            else os.path.abspath(wanted))


@pytest.mark.parametrize("env, wanted", [
    ({}, "auto"), ({"CI": "true"}, "manual"), ({"JENKINS_URL": "http://ci"}, "manual"),
    ({"CI": "true", "PUBLISHER_SERVER": "auto"}, "auto"), ({"PUBLISHER_SERVER": "off"}, "off"),
    ({"PUBLISHER_SERVER": "manual"}, "manual"), ({"PUBLISHER_SERVER": "bogus"}, "auto"),
    ({"CI": "false"}, "auto"), ({"CI": "0"}, "auto"), ({"CI": ""}, "auto"),
])
def test_publisher_server_and_ci_variables_decide_the_mode(env, wanted, monkeypatch):
    for name in (*client.CI_VARIABLES, "PUBLISHER_SERVER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert client.mode() == wanted


def test_a_killed_server_is_replaced_and_a_failing_one_is_not_retried_at_once(setup, tmp_path):
    import fcntl

    root = copy_project(tmp_path / "p")
    env = outside_ci(XDG_RUNTIME_DIR=str(setup.run_dir), PYTHONPATH=str(ROOT))
    folder = setup.run_dir / f"publisher-{os.getuid()}"

    def build() -> int | None:
        """A command that finds no server: the pid of the server it started, if any."""
        proc = subprocess.run([sys.executable, "-m", "publisher", "build", SAMPLE, "--lang",
                               "en", "--format", "html"], cwd=root, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        said = re.search(r"started a build server for the next commands \(pid (\d+);",
                         proc.stderr)
        return int(said[1]) if said else None

    setup.start(root)
    os.kill(setup.pid, signal.SIGKILL)  # type: ignore[arg-type]
    wait_for(setup.gone, "the server to die")
    assert list(folder.glob("*.sock")), "a killed server leaves its socket"
    pid = build()
    assert pid is not None and pid != setup.pid
    setup.pid, setup.started = pid, (proc_stat(pid) or [""] * 20)[19]
    assert wait_for(lambda: setup.status(root), "the new server to listen", timeout=60)
    assert not list(folder.glob("*.starting")), "a server that came up removes the stamp"
    setup.cli("server", "stop", cwd=root, env={"PUBLISHER_SERVER": "off"})
    wait_for(setup.gone, "the server to stop")

    # A server that cannot start (here: the lock is held) leaves the stamp, and no
    # command starts another until AUTO_RETRY seconds have passed.
    lock = os.open(next(folder.glob("*.lock")), os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        failing = build()
        assert failing is not None
        wait_for(lambda: proc_stat(failing) is None or proc_stat(failing)[0] in "ZX",  # type: ignore[index]
                 "the server that cannot start to end", timeout=60)
        assert "already running" in next(folder.glob("*.log")).read_text()
        assert build() is None
    finally:
        os.close(lock)
    stamp = next(folder.glob("*.starting"))
    aged = stamp.stat().st_mtime - client.AUTO_RETRY - 1
    os.utime(stamp, (aged, aged))
    pid = build()
    assert pid is not None
    setup.pid, setup.started = pid, (proc_stat(pid) or [""] * 20)[19]
    assert wait_for(lambda: setup.status(root), "the server to listen", timeout=60)


def test_a_long_server_log_is_moved_aside_when_a_server_starts(tmp_path):
    sock = str(tmp_path / "abc.sock")
    log = tmp_path / "abc.log"
    log.write_bytes(b"x" * (client.LOG_LIMIT + 1))
    os.close(client.open_log(sock))
    assert log.read_bytes() == b"" and (tmp_path / "abc.log.1").stat().st_size > client.LOG_LIMIT
    fd = client.open_log(sock)
    os.write(fd, b"started\n")
    os.close(fd)
    os.close(client.open_log(sock))
    assert log.read_bytes() == b"started\n"  # a short log is appended to
