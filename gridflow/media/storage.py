"""Where attachment bytes live: content-addressed by SHA-256, so a file is stored once however often
it is attached, and a stored file never changes.

- the instance folder (default): `INSTANCE_PATH/attachments/ab/cd/<sha256>` (and `<sha256>.thumb`);
- an S3-compatible object store when `STORAGE_URL` is set: `s3://bucket/prefix?endpoint=http://host:9000
  &region=…`, credentials from the usual AWS settings (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …).

Bytes are written before the database row that names them, so a row never names missing bytes; a
failed upload can leave bytes no row names (harmless: the next upload of the same file reuses them).
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from gridflow.errors import StorageUnavailable


class Store(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...


def key_for(sha256: str, thumb: bool = False) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{'.thumb' if thumb else ''}"


class FileStore:
    """A folder: each file written under a temporary name and renamed, so no reader sees half a file."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():  # content-addressed: the same key holds the same bytes
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageUnavailable("the stored file is missing from the attachment folder") from None


class S3Store:
    """A bucket of an S3-compatible object store (boto3)."""

    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region or "us-east-1",
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3}),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"the attachment store refused the file: {exc}") from None

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            data: bytes = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"the attachment store did not give the file: {exc}") from None
        return data


def parse_storage_url(url: str) -> dict:
    """`s3://bucket/prefix?endpoint=…&region=…` as S3Store's arguments; ValueError says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("must be s3://bucket[/prefix][?endpoint=http://host:port&region=name]")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ValueError(f"takes endpoint and region only, not {', '.join(sorted(unknown))}")
    return {
        "bucket": parts.netloc,
        "prefix": parts.path,
        "endpoint": query.get("endpoint"),
        "region": query.get("region"),
    }


@lru_cache(maxsize=8)
def store_for(storage_url: str, instance_path: str) -> Store:
    """The store the settings name (one per process: boto3 clients are thread-safe and reusable)."""
    if not storage_url:
        return FileStore(Path(instance_path) / "attachments")
    return S3Store(**parse_storage_url(storage_url))


def configured_store(config) -> Store:
    """The store of an app's settings (`current_app.config`): what the API and the pages read files from."""
    return store_for(config["STORAGE_URL"], config["INSTANCE_PATH"])
