"""Sweeps that survive: the store is actlab's own and read-only where asked, nothing half-done is
stored, drivers share a study, workers die with the driver, the memory guard, atomic files and
one-line faults, and the Ray executor equal to the local one."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from actlab import _io  # noqa: E402
from actlab.lab import (  # noqa: E402  # noqa: E402
    LocalExecutor,
    RunConfig,
    Store,
    StoreError,
    _driver,
    _guard,
    _store,
    _study,
    compare,
    load,
)
from actlab.lab._train import BatchedNet  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
TINY: dict[str, Any] = dict(seeds=2, steps=20, workers=1, progress=False)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from actlab._cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "80", "NO_COLOR": "1"})


def one_line_error(r: Any) -> str:
    """The one ``error:`` line a failed command ends with (a table may come before it)."""
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert r.exit_code == 1, r.output
    errors = [x for x in lines if x.startswith("error: ")]
    assert errors == lines[-1:] and "Traceback" not in r.output, r.output
    return str(lines[-1])


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store with one tiny study (xor; relu, tanh; 2 seeds)."""
    db = tmp_path_factory.mktemp("made") / "s.db"
    study = compare("xor", ["relu", "tanh"], store=db, name="tiny", **TINY)
    study.store.close()
    return db


@pytest.fixture
def store_copy(made: Path, tmp_path: Path) -> Path:
    p = tmp_path / "s.db"
    shutil.copy(made, p)
    return p


def foreign(path: Path) -> Path:
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    c.execute("INSERT INTO invoices (total) VALUES (12.5)")
    c.commit()
    c.close()
    return path


# ------------------------------------------------------------------ the store is actlab's own


def test_a_foreign_database_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    db = foreign(tmp_path / "other.db")
    before, listing = sha(db), sorted(os.listdir(tmp_path))
    for readonly in (False, True):
        with pytest.raises(StoreError, match="is not an actlab results store"):
            Store(db, readonly=readonly)
    err = one_line_error(cli("report", str(db), "--out", str(tmp_path / "r.html")))
    assert "other.db is not an actlab results store" in err and "invoices" in err
    args = ["--dataset", "xor", "--activations", "relu", "--seeds", "1", "--steps", "5"]
    r = cli("compare", *args, "--store", str(db), "--out", str(tmp_path / "r.html"))
    assert "never writes into another database" in one_line_error(r)
    assert sha(db) == before and sorted(os.listdir(tmp_path)) == listing
    with sqlite3.connect(db) as c:  # still the other program's, rollback journal and all
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert c.execute("SELECT total FROM invoices").fetchall() == [(12.5,)]


def test_a_store_is_marked_and_an_older_one_migrates(store_copy: Path) -> None:
    with sqlite3.connect(store_copy) as c:
        assert c.execute("PRAGMA application_id").fetchone()[0] == 0x6163746C  # 'actl'
        assert c.execute("PRAGMA user_version").fetchone()[0] == len(_store.MIGRATIONS)
        runs = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        # back to a store written before stores were marked: schema 1, no claims, id 0
        for table in ("claims", "datasets", "study_configs", "histograms"):
            c.execute(f"DROP TABLE {table}")
        c.execute("PRAGMA application_id = 0")
        c.execute("PRAGMA user_version = 0")
    st = Store(store_copy)
    st.close()
    with sqlite3.connect(store_copy) as c:
        assert c.execute("PRAGMA application_id").fetchone()[0] == 0x6163746C
        assert c.execute("PRAGMA user_version").fetchone()[0] == len(_store.MIGRATIONS)
        assert c.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == runs == 4
        c.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="schema version 99; this actlab reads up to"):
        Store(store_copy)


def test_report_and_export_never_change_the_store(store_copy: Path, tmp_path: Path) -> None:
    before = sha(store_copy)
    r = cli("report", str(store_copy), "--out", str(tmp_path / "r.html"))
    assert r.exit_code == 0, r.output
    assert "tiny" in (tmp_path / "r.html").read_text()
    st = Store(store_copy, readonly=True)
    st.export(tmp_path / "runs.csv")
    with pytest.raises(StoreError, match="opened read-only"):
        st.release("anyone")
    st.close()
    assert sha(store_copy) == before
    assert (tmp_path / "runs.csv").read_text().count("\n") == 5  # header + 4 runs


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[bool]:
    """A tmpfs of ``size`` at ``where`` where this test may mount one (True), else False."""
    where.mkdir(parents=True, exist_ok=True)
    ok = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where))
    try:
        yield ok
    finally:
        if ok and subprocess.run(["umount", str(where)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)  # still busy


@contextmanager
def read_only(where: Path, files: list[Path]) -> Iterator[None]:
    """``where`` holding copies of ``files`` on a read-only filesystem (a tmpfs remounted
    read-only where the test may mount, else a folder without write permission)."""
    with small_tmpfs(where, "16m") as mounted:
        for f in files:
            shutil.copy(f, where / f.name)
        if mounted:
            assert _mount("-o", "remount,ro", str(where))
        elif os.geteuid() == 0:
            pytest.skip("root without mount: permissions cannot make a folder read-only")
        else:
            where.chmod(0o555)
        try:
            yield
        finally:
            if not mounted:
                where.chmod(0o755)


def test_a_store_on_a_read_only_filesystem_reports(made: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    with read_only(ro, [made]):
        with pytest.raises(OSError):
            (ro / "probe").write_text("x")  # the filesystem really is read-only
        r = cli("report", str(ro / "s.db"), "--out", str(tmp_path / "r.html"))
        assert r.exit_code == 0, r.output
        assert "tiny" in (tmp_path / "r.html").read_text()
        r = cli("report", str(made), "--out", str(ro / "r.html"))
        assert "is read-only" in one_line_error(r) or "Read-only" in r.output
        args = ["--dataset", "xor", "--activations", "relu", "--seeds", "1", "--steps", "5"]
        r = cli("compare", *args, "--store", str(ro / "s.db"), "--out", str(tmp_path / "x.html"))
        assert "s.db" in one_line_error(r)


# ------------------------------------------------------------------ nothing half-done is stored


def test_a_failing_compare_leaves_the_store_as_it_was(
    store_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sha(store_copy)
    bad: list[dict[str, Any]] = [
        {"dataset": "spirl"},  # unknown dataset
        {"dataset": "xor", "model": "cnn"},  # a CNN on tabular data
        {"dataset": "mine", "path": str(tmp_path / "missing.csv")},  # no such data file
        {"dataset": "xor", "activations": ["rleu"]},  # unknown activation
    ]
    for kw in bad:
        acts = kw.pop("activations", ["relu"])
        with pytest.raises(ValueError):
            compare(activations=acts, store=store_copy, name="tiny", **TINY, **kw)
        assert sha(store_copy) == before, kw
    with pytest.raises(ValueError, match="executor must be 'local' or 'ray', got 'dask'"):
        compare("xor", ["relu"], store=store_copy, name="tiny", executor="dask", **TINY)
    with pytest.raises(ValueError, match="address is for executor='ray'"):
        compare("xor", ["relu"], store=store_copy, name="tiny", address="auto", **TINY)
    monkeypatch.setitem(sys.modules, "ray", None)  # Ray not installed
    with pytest.raises(ValueError, match=r"needs its extra: pip install 'actlab\[ray\]'"):
        compare("xor", ["relu"], store=store_copy, name="tiny", executor="ray", **TINY)
    monkeypatch.delitem(sys.modules, "ray")
    assert sha(store_copy) == before
    fresh = tmp_path / "new.db"
    with pytest.raises(ValueError, match="model='cnn' needs an image dataset"):
        compare("xor", ["relu"], store=fresh, model="cnn", **TINY)
    assert not fresh.exists()

    def broken(*a: Any, **k: Any) -> Any:
        raise RuntimeError("training failed")

    monkeypatch.setattr(_driver, "train", broken)  # fails after the store is opened
    with pytest.raises(RuntimeError, match="training failed"):
        compare("xor", ["relu"], store=fresh, name="half", **TINY)
    st = Store(fresh, readonly=True)
    assert st.studies() == [] and st.runs() == []  # no study row without a run
    st.close()


def test_a_duplicate_configuration_never_runs_twice(tmp_path: Path) -> None:
    # a repeated activation (after aliases and case) is one configuration, run once; a repeated
    # seed is an error naming it, before anything is stored
    db = tmp_path / "d.db"
    with pytest.raises(ValueError, match="seeds: expected an int ≥ 1 or a list of distinct"):
        compare("xor", ["relu"], store=db, **{**TINY, "seeds": [0, 0, 1]})
    assert not db.exists() or Store(db, readonly=True).runs() == []
    study = compare("xor", ["relu", "relu", "RELU", "tanh"], store=db, **{**TINY, "seeds": [0, 1]})
    pairs = sorted((r.config.activation, r.seed) for r in study.runs)
    assert pairs == [("relu", 0), ("relu", 1), ("tanh", 0), ("tanh", 1)]
    study.store.close()
    r = cli(
        "compare",
        "--dataset",
        "xor",
        "--activations",
        "relu,relu",
        "--steps",
        "20",
        "--seeds",
        "1",
        "--store",
        str(tmp_path / "e.db"),
        "--out",
        str(tmp_path / "e.html"),
    )
    assert r.exit_code == 0, r.output
    st = Store(tmp_path / "e.db", readonly=True)
    assert [x.config.activation for x in st.runs()] == ["relu"]
    st.close()


# ------------------------------------------------------------------ concurrency

TWO = """
import sys
from actlab.lab import compare
compare("xor", ["relu", "tanh", "elu", "sigmoid", "softsign", "selu"], seeds=[0, 1, 2],
        steps=40, store=sys.argv[1], name="both", workers=1, progress=False)
"""


def test_two_drivers_on_one_study_share_it_and_store_every_run_once(tmp_path: Path) -> None:
    db = tmp_path / "two.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TWO, str(db)], env=ENV, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert not any("IntegrityError" in e or "Traceback" in e for e in errs), errs
    with sqlite3.connect(db) as c:
        keys = c.execute("SELECT config_key, seed FROM runs").fetchall()
        assert c.execute("SELECT COUNT(*) FROM studies").fetchone()[0] == 1
        assert c.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
    assert len(keys) == 18 and len(set(keys)) == 18


def test_claims_hold_while_their_holder_lives_and_lapse_when_it_dies(tmp_path: Path) -> None:
    st = Store(tmp_path / "c.db")
    cfg = RunConfig(dataset="xor", activation="relu")
    assert st.claim("s", cfg, [0, 1, 2], "me") == [0, 1, 2]
    assert st.claim("s", cfg, [0, 1, 2, 3], "you") == [3]  # a live holder keeps its seeds
    assert st.pending("s", "you") == 3 and st.pending("s", "me") == 1
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with st._tx() as db:  # "me" was a process that has exited
        db.execute("UPDATE claims SET pid = ? WHERE holder = 'me'", (dead.pid,))
    assert st.claim("s", cfg, [0, 1], "you") == [0, 1]
    st.claim("s", cfg, [2], "other-host")
    with st._tx() as db:  # on another machine: only its lease decides
        db.execute("UPDATE claims SET host = 'elsewhere', pid = 1 WHERE seed = 2")
    assert st.claim("s", cfg, [2], "you") == []
    with st._tx() as db:
        db.execute("UPDATE claims SET expires = 0 WHERE seed = 2")
    assert st.claim("s", cfg, [2], "you") == [2]
    st.release("you")
    assert st.pending("s", "me") == 0
    st.close()


# ------------------------------------------------------------------ processes


def children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            out |= {int(x) for x in (task / "children").read_text().split()}
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


SWEEP = """
import sys
from actlab.lab import compare
compare("xor", ["relu", "tanh", "elu", "sigmoid", "softsign", "selu", "gelu", "silu"],
        seeds=[0, 1], steps=3000, store=sys.argv[1], name="long", workers=2, progress=False)
"""


def wait_for(cond: Any, tries: int = 600) -> bool:
    for _ in range(tries):  # polling, without reading the clock
        if cond():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_driver_leaves_no_worker_alive(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SWEEP, str(tmp_path / "k.db")], env=ENV)
    try:
        assert wait_for(lambda: len(children(proc.pid)) >= 2), "the pool never started"
        workers = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert wait_for(lambda: not any(alive(w) for w in workers), tries=50), workers
    finally:
        if proc.poll() is None:
            proc.kill()


def runs_in(db: Path) -> int:
    try:
        with sqlite3.connect(db) as c:
            return int(c.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    except sqlite3.Error:
        return 0


def _default_signals() -> None:
    """In the child: Ctrl-C and SIGTERM as a terminal delivers them. A shell starts background
    jobs with SIGINT ignored, and an ignored signal stays ignored across exec — the CLI would
    never see the Ctrl-C this test sends (it then ran to the end with exit 0)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_stop_cleanly_and_keep_what_landed(
    tmp_path: Path, sig: int, code: int
) -> None:
    db = tmp_path / "i.db"
    acts = "relu,tanh,elu,sigmoid,softsign,selu,gelu,silu"
    cmd = [sys.executable, "-m", "actlab", "compare", "--dataset", "xor", "--activations", acts]
    cmd += ["--seeds", "2", "--steps", "300", "--store", str(db), "--workers", "2"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(tmp_path / "r.html")],
        env=ENV,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    try:
        assert wait_for(lambda: runs_in(db) >= 2, tries=1200), "no run landed"
        workers = children(proc.pid)
        proc.send_signal(sig)
        err = proc.communicate(timeout=60)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "interrupted: finished runs are in the store" in err and "Traceback" not in err
    kept = runs_in(db)
    assert 2 <= kept < 16
    assert wait_for(lambda: not any(alive(w) for w in workers), tries=50)
    with sqlite3.connect(db) as c:  # nothing left claimed: a rerun resumes at once
        assert c.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


def test_workers_are_capped_at_the_cores() -> None:
    cores = _guard.usable_cores()
    ex = LocalExecutor(cores + 10)
    assert ex.workers == cores
    assert ex.note == f"note: {cores + 10} workers asked, {cores} core(s) available: using {cores}"
    assert LocalExecutor(1).note is None
    with pytest.raises(ValueError, match="workers must be a positive int, got 0"):
        LocalExecutor(0)


# ------------------------------------------------------------------ the resource guard


@pytest.mark.parametrize(
    "cfg",
    [
        RunConfig(dataset="spiral", activation="relu", depth=3, width=17),
        RunConfig(dataset="digits", activation="glu", depth=2, width=8),
        RunConfig(dataset="digits", activation="tanh", model="cnn", depth=3, width=12),
    ],
    ids=["mlp", "gated", "cnn"],
)
def test_the_estimate_counts_the_parameters_the_trainer_builds(cfg: RunConfig) -> None:
    data = load(cfg.dataset)
    layers, _ = _guard._layers(cfg, data)
    net = BatchedNet(cfg, data, [0, 1, 2])
    assert sum(w for w, _ in layers) * 3 == sum(p.numel() for p in net.parameters())
    state = _guard.STATE_COPIES * sum(p.numel() for p in net.parameters()) * 4
    assert _guard.unit_bytes(cfg, data, 3) > state


def test_the_memory_guard_refuses_a_huge_study_before_allocating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*a: Any, **k: Any) -> Any:
        raise AssertionError("the guard let training start")

    monkeypatch.setattr(_driver, "train", never)
    monkeypatch.setattr(_study, "check_fits", lambda *a: None)
    with pytest.raises(ValueError, match=r"study needs ~.* of memory .* is available"):
        compare("xor", ["relu"], width=100_000, store=tmp_path / "w.db", **TINY)
    r = cli("compare", "--dataset", "xor", "--activations", "relu", "--width", "100000",
            "--store", str(tmp_path / "w.db"), "--out", str(tmp_path / "w.html"))  # fmt: skip
    err = one_line_error(r)
    assert not (tmp_path / "w.db").exists() and not (tmp_path / "w.html").exists()
    # by hand: xor has 2 features and 2 classes; 4 hidden layers of width 100000, 5 seeds, and
    # four float32 copies (parameters, gradients, Adam's two moments) of every parameter
    params = (2 * 100_000 + 3 * 100_000**2 + 100_000 * 2) + 4 * 100_000 + 2
    cfg = RunConfig(dataset="xor", width=100_000)
    est = _guard.estimate([(cfg, [0, 1, 2, 3, 4])], {cfg.key(): load("xor")}, 2)
    assert est.peak_bytes > 4 * 4 * params * 5 > est.available  # type: ignore[operator]
    assert f"study needs ~{_guard._size(est.peak_bytes)} of memory" in err
    monkeypatch.setattr(_guard, "available_bytes", lambda: 10**15)  # a big enough machine
    est = _guard.estimate([(cfg, [0, 1, 2, 3, 4])], {cfg.key(): load("xor")}, 2)
    est.check()
    assert est.large and "estimate: peak memory" in est.line()


# ------------------------------------------------------------------ atomic files, one-line faults


def test_a_full_disk_keeps_the_previous_report(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = tmp_path / "small"
    with small_tmpfs(small, "64k") as mounted:
        out = small / "report.html"
        out.write_text("the previous good report")
        if mounted:  # a real full disk: the report is far larger than 64 kB
            r = cli("report", str(made), "--out", str(out))
            assert "No space left on device" in one_line_error(r)
        assert out.read_text() == "the previous good report"
        assert sorted(os.listdir(small)) == ["report.html"]  # no temporary file left behind

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_io.os, "fsync", full)  # the simulated full disk, everywhere
    out = tmp_path / "report.html"
    out.write_text("the previous good report")
    err = one_line_error(cli("report", str(made), "--out", str(out)))
    assert err == f"error: cannot write {str(out)!r}: No space left on device"
    st = Store(made, readonly=True)
    for name in ("runs.csv", "runs.json"):
        (tmp_path / name).write_text("previous")
        with pytest.raises(_io.FileFault, match="No space left on device"):
            st.export(tmp_path / name)
        assert (tmp_path / name).read_text() == "previous"
    st.close()
    assert sorted(os.listdir(tmp_path)) == ["report.html", "runs.csv", "runs.json", "small"]


def test_filesystem_and_database_faults_are_one_line(made: Path, tmp_path: Path) -> None:
    args = ["--dataset", "xor", "--activations", "relu", "--seeds", "1", "--steps", "5"]
    out = ["--out", str(tmp_path / "r.html")]
    (tmp_path / "afile").write_text("x")
    err = one_line_error(cli("compare", *args, "--store", str(tmp_path / "afile/s.db"), *out))
    assert "afile' is a file, not a folder" in err
    (tmp_path / "conf").mkdir()
    err = one_line_error(cli("compare", "--config", str(tmp_path / "conf"), *out))
    assert "is a folder; give a study .toml file" in err
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(made.read_bytes()[:100] + os.urandom(8192))
    before = sha(corrupt)
    for r in (
        cli("report", str(corrupt), *out),
        cli("compare", *args, "--store", str(corrupt), *out),
    ):
        err = one_line_error(r)
        assert "corrupt.db is not an actlab results store (database disk image is malformed)" in err
    assert sha(corrupt) == before
    (tmp_path / "junk.db").write_text("not sqlite at all, " * 100)
    err = one_line_error(cli("report", str(tmp_path / "junk.db"), *out))
    assert "junk.db is not an actlab results store" in err
    err = one_line_error(cli("report", str(made), "--out", str(tmp_path / "afile/r.html")))
    assert "afile' is a file, not a folder" in err
    err = one_line_error(cli("report", str(made), "--out", str(tmp_path)))
    assert "it is a folder" in err
    assert not (tmp_path / "r.html").exists()


def test_atomic_writes_replace_whole_files_only(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    _io.write_text(p, "one")
    p.chmod(0o640)
    _io.write_text(p, "two")
    assert p.read_text() == "two" and (p.stat().st_mode & 0o777) == 0o640
    with pytest.raises(RuntimeError), _io.atomic_open(p) as fh:
        fh.write("half")
        raise RuntimeError("stopped midway")
    assert p.read_text() == "two" and sorted(os.listdir(tmp_path)) == ["f.txt"]


# ------------------------------------------------------------------ Ray


def test_ray_executor_gives_exactly_the_local_metrics(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the Ray executor needs: pip install 'actlab[ray]'")
    kw: dict[str, Any] = dict(seeds=2, steps=30, progress=False, name="t")
    import ray

    from actlab.lab import RayExecutor

    local = compare("xor", ["relu", "tanh"], store=tmp_path / "l.db", workers=1, **kw)
    ex = RayExecutor()  # a local instance: its node on the loopback interface only
    assert [n["NodeManagerAddress"] for n in ray.nodes()] == ["127.0.0.1"]
    assert ex.workers == _guard.usable_cores() == int(ray.cluster_resources()["CPU"])
    ray_ = compare("xor", ["relu", "tanh"], store=tmp_path / "r.db", executor=ex, **kw)

    def key(study: Any) -> list[Any]:
        out = []
        for r in sorted(study.runs, key=lambda r: (r.config_key, r.seed)):
            curves = study.store.curves(r.id)
            curves.pop("time")  # wall-clock seconds: the one record that may differ
            out.append((r.config_key, r.seed, r.test_metric, r.test_loss, curves))
        return out

    a, b = key(local), key(ray_)
    assert len(a) == 4 and a == b  # bit-identical metrics and curves, not close ones
    local.store.close()
    ray_.store.close()
    assert not ray.is_initialized()  # the local instance it started is stopped
    assert wait_for(lambda: not any(alive(c) for c in children(os.getpid())), tries=100)
