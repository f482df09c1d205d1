"""A real S3-compatible server for the tests: moto's standalone server as a subprocess on a free
loopback port (no container), and buckets in it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import boto3
import httpx
from pydantic import SecretStr

from roughy.config import S3Settings
from support import free_port

ACCESS_KEY = "roughy-test"
SECRET_KEY = "roughy-test-secret"


class MotoServer:
    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / "moto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> MotoServer:
        moto = Path(sys.executable).with_name("moto_server")
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(moto), "-H", "127.0.0.1", "-p", str(self.port)], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/moto-api/", timeout=1)
                return self
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"moto did not start: {self.log_path.read_text()}") from None
                time.sleep(0.1)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def s3_config(endpoint: str, bucket: str) -> S3Settings:
    return S3Settings(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id=ACCESS_KEY,
        secret_access_key=SecretStr(SECRET_KEY),
        addressing_style="path",
    )


def make_bucket(endpoint: str, bucket: str) -> S3Settings:
    config = s3_config(endpoint, bucket)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=bucket)
    return config


class CuttableProxy:
    """A TCP proxy in front of the S3 server that a test can cut (every connection closed, new
    ones refused) and restore: a real network fault between Roughy and its bucket."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> CuttableProxy:
        self.thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=5)

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=5)
