"""Data: IDX parsing and its errors, MNIST loading (bundled, cached, offline), synthetic sets."""

import gzip
import hashlib
import shutil
import urllib.error

import numpy as np
import pytest

from paralens import data
from paralens.data import _mnist

BUNDLED = data.bundled_mnist_dir()
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"


def idx_bytes(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_bundled_mnist():
    (x, y), (x_test, y_test) = data.load_mnist()
    assert x.shape == (8000, 784) and x_test.shape == (2000, 784)
    assert y.shape == (8000,) and y_test.shape == (2000,)
    assert x.dtype == np.float64 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y).tolist()) == set(range(10))
    assert set(np.unique(y_test).tolist()) == set(range(10))
    # the first test digit of the original set is a 7; the split keeps the file's order
    assert y[0] == 7
    labels = data.read_idx(BUNDLED / LABELS)
    np.testing.assert_array_equal(np.concatenate([y, y_test]), labels)


def test_bundled_files_are_the_originals():
    for name in (IMAGES, LABELS):
        digest = hashlib.md5((BUNDLED / name).read_bytes()).hexdigest()
        assert digest == data.MNIST_FILES[name]


def test_parse_idx_round_trip_of_several_types():
    for array, code in [
        (np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08),
        (np.array([-1, 2, -3], dtype=np.int32), 0x0C),
        (np.linspace(0, 1, 6).reshape(3, 2), 0x0E),
    ]:
        out = data.parse_idx(idx_bytes(array, code))
        np.testing.assert_array_equal(out, array)
        assert out.dtype.isnative


def test_parse_idx_errors():
    good = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3))
    with pytest.raises(data.IdxError, match="truncated"):
        data.parse_idx(good[:-1])
    with pytest.raises(data.IdxError, match="truncated in its header"):
        data.parse_idx(good[:7])
    with pytest.raises(data.IdxError, match="longer than its header says"):
        data.parse_idx(good + b"\x00")
    with pytest.raises(data.IdxError, match="not an IDX file"):
        data.parse_idx(b"\x1f\x8b" + good[2:])
    with pytest.raises(data.IdxError, match="too short"):
        data.parse_idx(b"\x00")


def test_truncated_and_corrupt_files(tmp_path):
    raw = gzip.decompress((BUNDLED / LABELS).read_bytes())
    (tmp_path / "cut.gz").write_bytes((BUNDLED / LABELS).read_bytes()[:-100])
    with pytest.raises(data.IdxError, match="corrupt or truncated gzip"):
        data.read_idx(tmp_path / "cut.gz")
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(data.IdxError, match="truncated"):
        data.read_idx(tmp_path / "short.gz")
    (tmp_path / "short").write_bytes(raw[:-10])
    with pytest.raises(data.IdxError, match=r"9990 elements|truncated"):
        data.read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="nothing-here"):
        data.read_idx(tmp_path / "nothing-here")


def test_load_mnist_from_a_directory(tmp_path):
    for name in (IMAGES, LABELS):
        shutil.copy(BUNDLED / name, tmp_path / name)
    (x, y), _ = data.load_mnist(path=tmp_path)
    assert x.shape == (8000, 784)
    # uncompressed files are read too
    (tmp_path / LABELS).unlink()
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(
        gzip.decompress((BUNDLED / LABELS).read_bytes())
    )
    (_, y2), _ = data.load_mnist(path=tmp_path)
    np.testing.assert_array_equal(y, y2)


def test_load_mnist_corrupt_or_missing(tmp_path):
    shutil.copy(BUNDLED / LABELS, tmp_path / LABELS)
    with pytest.raises(FileNotFoundError, match=str(tmp_path / IMAGES)):
        data.load_mnist(path=tmp_path)
    (tmp_path / IMAGES).write_bytes((BUNDLED / IMAGES).read_bytes()[:-1000])
    with pytest.raises(data.IdxError, match="MD5"):
        data.load_mnist(path=tmp_path)
    corrupt = bytearray((BUNDLED / IMAGES).read_bytes())
    corrupt[5000] ^= 0xFF
    (tmp_path / IMAGES).write_bytes(bytes(corrupt))
    with pytest.raises(ValueError, match="corrupt"):
        data.load_mnist(path=tmp_path)


def test_mismatched_images_and_labels(tmp_path, monkeypatch):
    files = {
        "t10k-images-idx3-ubyte": idx_bytes(np.zeros((3, 28, 28), np.uint8)),
        "t10k-labels-idx1-ubyte": idx_bytes(np.zeros(4, np.uint8)),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        monkeypatch.setitem(_mnist.MNIST_RAW_SHA256, name, hashlib.sha256(content).hexdigest())
    with pytest.raises(data.IdxError, match="do not match"):
        data.load_mnist(path=tmp_path)


def test_uncompressed_and_recompressed_files_are_checked_too(tmp_path):
    for name in (IMAGES, LABELS):
        raw = gzip.decompress((BUNDLED / name).read_bytes())
        (tmp_path / name.removesuffix(".gz")).write_bytes(raw)
    (x, _), _ = data.load_mnist(path=tmp_path)  # the originals, uncompressed: accepted
    labels = tmp_path / LABELS.removesuffix(".gz")
    damaged = bytearray(labels.read_bytes())
    damaged[100] = (damaged[100] + 1) % 10  # still a valid IDX file, one label changed
    labels.write_bytes(bytes(damaged))
    with pytest.raises(data.IdxError, match=r"t10k-labels-idx1-ubyte: SHA-256 \w+ differs"):
        data.load_mnist(path=tmp_path)
    labels.unlink()
    raw = gzip.decompress((BUNDLED / LABELS).read_bytes())
    (tmp_path / LABELS).write_bytes(gzip.compress(raw, compresslevel=1))  # other bytes, same data
    (x2, _), _ = data.load_mnist(path=tmp_path)
    np.testing.assert_array_equal(x, x2)
    (tmp_path / LABELS).write_bytes(gzip.compress(bytes(damaged)))
    with pytest.raises(data.IdxError, match="neither its MD5 nor the SHA-256 of what it holds"):
        data.load_mnist(path=tmp_path)


def test_the_raw_checksums_are_those_of_the_bundled_originals():
    for name in (IMAGES, LABELS):
        raw = gzip.decompress((BUNDLED / name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == data.MNIST_RAW_SHA256[name.removesuffix(".gz")]


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PARALENS_DATA", str(tmp_path / "mine"))
    assert data.mnist_cache_dir() == tmp_path / "mine" / "mnist"
    monkeypatch.delenv("PARALENS_DATA")
    monkeypatch.setattr(_mnist.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.mnist_cache_dir() == tmp_path / "xdg" / "paralens" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.mnist_cache_dir() == tmp_path / "home" / ".cache" / "paralens" / "mnist"


def test_full_offline_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv("PARALENS_DATA", str(tmp_path))

    def offline(url, destination):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_mnist, "_fetch", offline)
    with pytest.raises(ConnectionError, match=r"load_mnist\(path=") as err:
        data.load_mnist(full=True)
    assert all(mirror in str(err.value) for mirror in data.MIRRORS)
    assert not list((tmp_path / "mnist").glob("*.gz"))


def fake_full_set(monkeypatch):
    """Small stand-ins for the four files, with their checksums put in the table."""
    rng = np.random.default_rng(0)
    served = {}
    for prefix, n in [("train", 12), ("t10k", 5)]:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        served[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images))
        served[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    for name, content in served.items():
        monkeypatch.setitem(_mnist.MNIST_FILES, name, hashlib.md5(content).hexdigest())
    return served


def test_full_downloads_checks_and_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("PARALENS_DATA", str(tmp_path))
    served = fake_full_set(monkeypatch)
    calls = []

    def fetch(url, destination):
        calls.append(url)
        name = url.rsplit("/", 1)[1]
        if url.startswith(data.MIRRORS[0]):
            destination.write_bytes(served[name][:-3])  # a broken mirror: wrong MD5
        else:
            destination.write_bytes(served[name])

    monkeypatch.setattr(_mnist, "_fetch", fetch)
    (x, _), (x_test, _) = data.load_mnist(full=True)
    assert x.shape == (12, 784) and x_test.shape == (5, 784)
    assert len(calls) == 8  # each file: the broken mirror, then the good one
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(served)
    calls.clear()
    (x2, _), _ = data.load_mnist(full=True)
    assert calls == []  # served from the cache
    np.testing.assert_array_equal(x, x2)
    (x3, _), _ = data.load_mnist(path=tmp_path / "mnist", full=True)
    np.testing.assert_array_equal(x, x3)


def test_full_with_wrong_checksum_everywhere(monkeypatch, tmp_path):
    monkeypatch.setenv("PARALENS_DATA", str(tmp_path))
    fake_full_set(monkeypatch)
    monkeypatch.setattr(_mnist, "_fetch", lambda url, destination: destination.write_bytes(b"x"))
    with pytest.raises(ConnectionError, match="MD5"):
        data.load_mnist(full=True)
    assert not list((tmp_path / "mnist").glob("*.gz"))


@pytest.mark.parametrize(
    "make", [data.linear_data, data.circle_data, data.sine_wave, data.two_moons]
)
def test_synthetic_sets_are_reproducible(make):
    x1, y1 = make(64, key=3)
    x2, y2 = make(64, key=np.random.default_rng(3))
    x3, _ = make(64, key=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert len(x1) == len(y1) == 64
    with pytest.raises(ValueError, match="positive number of examples"):
        make(0)


def test_synthetic_sets_mean_what_they_say():
    x, y = data.linear_data(200, key=0, weights=(1.0, 2.0, 3.0), bias=-1.0, noise=0.0)
    np.testing.assert_allclose(y, x @ [1.0, 2.0, 3.0] - 1.0)
    x, y = data.circle_data(500, key=0)
    np.testing.assert_array_equal(y == 1.0, np.hypot(x[:, 0], x[:, 1]) < 1.0)
    assert 0.2 < y.mean() < 0.5
    x, y = data.sine_wave(100, key=0, period=10.0)
    np.testing.assert_array_equal(x[1:], y[:-1])
    np.testing.assert_allclose(x[10:], x[:-10], atol=1e-12)
    x, y = data.two_moons(200, key=0, noise=0.0)
    upper = x[y == 0]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    with pytest.raises(TypeError, match=r"int seed or a numpy\.random\.Generator"):
        data.circle_data(10, key="seed")


def test_batches():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    rng = np.random.default_rng(0)
    epoch1 = list(data.batches((x, y), 4, key=rng))
    epoch2 = list(data.batches((x, y), 4, key=rng))
    assert [len(b[1]) for b in epoch1] == [4, 4, 2]
    for epoch in (epoch1, epoch2):
        seen = np.concatenate([b[1] for b in epoch])
        assert sorted(seen.tolist()) == list(range(10))
        for bx, by in epoch:
            np.testing.assert_array_equal(bx[:, 0], by)
    assert not np.array_equal(
        np.concatenate([b[1] for b in epoch1]), np.concatenate([b[1] for b in epoch2])
    )
    assert [len(b[1]) for b in data.batches((x, y), 4, key=0, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="same number of examples"):
        list(data.batches((x, y[:5]), 2))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        list(data.batches((x, y), 0))
