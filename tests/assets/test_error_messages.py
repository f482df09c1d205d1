"""What a client reads in `error_message` names the problem, never the server's files."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
from tuskit import new_asset, tuspy_upload, wait_state

from roughy.jobs import Runtime
from support import Account, make_unindexed_mp4


async def test_a_failed_asset_message_shows_no_server_path(
    client: httpx.AsyncClient, account: Account, runtime: Runtime, tmp_path: Path
) -> None:
    broken = make_unindexed_mp4(tmp_path / "broken.mp4")
    asset = await new_asset(client, account, broken.stat().st_size)
    await anyio.to_thread.run_sync(lambda: tuspy_upload(asset["upload_url"], broken, account))
    failed = await wait_state(client, account, asset["id"], "failed")
    message = failed["error_message"]
    assert failed["error_code"] == "media_unreadable" and message.startswith("cannot")
    assert "/" not in message and "Errno" not in message and "source." not in message, message
    assert str(runtime.settings.data_dir.name) not in message
