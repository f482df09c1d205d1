from roughy.errors import Conflict, NotFound


class AssetNotFound(NotFound):
    default_message = "Asset not found."


class AssetNotReady(Conflict):
    code, default_message = "asset_not_ready", "The asset is not ready for this."


class AssetNotUploaded(Conflict):
    code, default_message = "asset_not_uploaded", "The asset's bytes have not been uploaded yet."


class UploadedNotMedia(Conflict):
    code = "not_media"
    default_message = "The uploaded file is not audio or video; PUT a media file and confirm again."
