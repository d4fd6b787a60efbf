"""A file shared in a conversation, streamed from where it lies (a temporary file on disk).

slack_sdk's `files_upload_v2` reads the whole file into memory first; an export of 100,000
rows should not. This is the same three steps (Slack's "working with files"): ask
`files.getUploadURLExternal` for an upload URL with the exact byte count, send the bytes
there from the file in blocks, then `files.completeUploadExternal` shares it in the channel.
"""

from __future__ import annotations

import os
import urllib.request
from typing import IO, TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

if TYPE_CHECKING:
    from bot.slack.sender import FileUpload


def stream_upload(client: WebClient, channel: str, upload: FileUpload) -> str:
    """Share `upload` (an open binary file) in `channel`; answers the file's id. The file is
    closed afterwards, whatever happened: a retry renders the export anew."""
    stream = upload.content
    assert not isinstance(stream, str | bytes)
    try:
        length = stream.seek(0, os.SEEK_END)
        stream.seek(0)
        target = client.files_getUploadURLExternal(filename=upload.filename, length=length)
        _send_bytes(client, str(target["upload_url"]), stream, length)
        file_id = str(target["file_id"])
        client.files_completeUploadExternal(
            files=[{"id": file_id, "title": upload.title}],
            channel_id=channel,
            initial_comment=upload.comment or None,
        )
        return file_id
    finally:
        stream.close()


def _send_bytes(client: WebClient, url: str, stream: IO[bytes], length: int) -> None:
    """POST the file's bytes to the pre-signed upload URL, a block at a time (http.client
    sends a file body in blocks); Slack answers 200, anything else is a failed upload."""
    request = urllib.request.Request(
        url,
        data=stream,
        method="POST",
        headers={"Content-Length": str(length), "Content-Type": "application/octet-stream"},
    )
    handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=client.ssl)]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(request, timeout=client.timeout) as response:
        if response.status != 200:
            raise SlackRequestError(f"upload of {length} bytes answered HTTP {response.status}")
