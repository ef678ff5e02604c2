"""Blob storage: the local folder and S3 (against moto's server over real HTTP) behave the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ocrops.errors import BadParameter, ConfigError, NotFound, ServiceUnavailable
from ocrops.settings import load_settings
from ocrops.storage import BlobStorage, open_storage, page_image_key, result_key, source_key
from ocrops.storage.local import LocalStorage
from ocrops.storage.s3 import S3Storage
from tests.integration.service_env import BUCKET, free_port, s3_endpoint  # noqa: F401 - a fixture


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    if request.param == "local":
        return open_storage(load_settings(home=tmp_path, storage_url=f"file://{tmp_path / 'blobs'}"))
    endpoint = request.getfixturevalue("s3_endpoint")
    settings = load_settings(
        home=tmp_path,
        storage_url=f"s3://{BUCKET}/run-{tmp_path.name}",
        s3_endpoint_url=endpoint,
        s3_region="us-east-1",
    )
    return open_storage(settings)


def test_round_trip_bytes_and_streams(storage: BlobStorage):
    key = source_key("acme", "doc-1")
    assert not storage.exists(key)
    storage.put(key, b"first version", "application/pdf")
    assert storage.exists(key) and storage.get(key) == b"first version"
    big = bytes(range(256)) * 8192  # 2 MiB through the streaming path
    storage.put(key, io.BytesIO(big))
    assert storage.get(key) == big
    with storage.open_local(key) as path:
        assert path.read_bytes() == big
    storage.check()


def test_missing_objects_and_idempotent_delete(storage: BlobStorage):
    key = result_key("acme", "job-1")
    with pytest.raises(NotFound):
        storage.get(key)
    with pytest.raises(NotFound), storage.open_local(key):
        pass
    storage.put(key, b"{}", "application/json")
    storage.delete(key)
    storage.delete(key)  # missing: no error
    assert not storage.exists(key)


def test_tenants_get_separate_keys(storage: BlobStorage):
    storage.put(page_image_key("acme", "d", 1), b"a")
    storage.put(page_image_key("globex", "d", 1), b"g")
    assert storage.get("acme/documents/d/pages/1.png") == b"a"
    assert storage.get("globex/documents/d/pages/1.png") == b"g"


@pytest.mark.parametrize("key", ["", "/abs", "a//b", "../escape", "a/../../b", "a/./b", "a/b c", "a\\b"])
def test_keys_that_could_escape_are_refused(storage: BlobStorage, key: str):
    with pytest.raises(BadParameter):
        storage.put(key, b"x")


def test_local_storage_prunes_empty_folders_and_leaves_no_temp_files(tmp_path: Path):
    storage = LocalStorage(tmp_path / "blobs")
    storage.put("t/documents/d/source", b"x")
    storage.delete("t/documents/d/source")
    assert list((tmp_path / "blobs").iterdir()) == []
    storage.put("t/a", b"1")
    assert [p.name for p in (tmp_path / "blobs" / "t").iterdir()] == ["a"]


def test_s3_open_local_removes_its_download(storage: BlobStorage):
    storage.put("t/x", b"data")
    with storage.open_local("t/x") as path:
        assert path.exists()
    assert not path.exists() or isinstance(storage, LocalStorage)


def test_unreachable_or_missing_s3_is_a_clear_error(s3_endpoint: str):  # noqa: F811
    missing_bucket = S3Storage("no-such-bucket", endpoint_url=s3_endpoint, region="us-east-1")
    with pytest.raises(ServiceUnavailable):
        missing_bucket.check()
    down = S3Storage(BUCKET, endpoint_url=f"http://127.0.0.1:{free_port()}", region="us-east-1")
    with pytest.raises(ServiceUnavailable, match=r"unreachable|failed"):
        down.get("t/x")


def test_open_storage_refuses_unknown_schemes(tmp_path: Path):
    with pytest.raises(ConfigError):
        open_storage(load_settings(home=tmp_path, storage_url="ftp://host/path"))
    default = open_storage(load_settings(home=tmp_path))
    assert isinstance(default, LocalStorage) and default.root == tmp_path / "blobs"
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ConfigError, match="not writable"):
        LocalStorage(tmp_path / "a-file").check()
