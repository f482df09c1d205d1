from roughy.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Locked,
    NotFound,
    PayloadTooLarge,
    RoughyError,
)

TUS_VERSION = "1.0.0"


class UploadNotFound(NotFound):
    default_message = "Upload not found."


class UploadExpired(Gone):
    code, default_message = "upload_expired", "This upload has expired; start a new one."


class MalformedTusRequest(BadRequest):
    default_message = "Missing / malformed TUS headers."


class OffsetMismatch(Conflict):
    code = "offset_mismatch"
    default_message = "Upload-Offset does not match the upload's offset; ask with HEAD."


class ConcatenationConflict(Conflict):
    default_message = "These uploads cannot be concatenated in their current state."


class NotMedia(Conflict):
    code = "not_media"
    default_message = "The first chunk is not audio or video; the upload was cancelled."


class UploadComplete(Conflict):
    code, default_message = "upload_complete", "This upload is already complete."


class FinalUploadPatch(Forbidden):
    default_message = "A final (concatenated) upload cannot be patched."


class UploadBusy(Locked):
    code = "upload_locked"
    default_message = "Another request is writing to this upload; retry shortly."

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class WriterReplaced(Locked):
    code = "upload_locked"
    default_message = "A newer request took over this upload; what arrived was kept."


class ChunkTooLarge(PayloadTooLarge):
    default_message = "This request carries more bytes than the upload (or a PATCH) may take."


class ChecksumMismatch(RoughyError):
    code, status = "checksum_mismatch", 460
    default_message = "Upload-Checksum does not match the chunk; the chunk was discarded."


class RequestTimedOut(RoughyError):
    code, status = "request_timeout", 408
    default_message = "The request body stalled; what arrived was kept."
