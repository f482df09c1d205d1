from roughy.errors import Conflict, NotFound


class CutNotFound(NotFound):
    default_message = "Cut not found."


class AssetProcessing(Conflict):
    code = "asset_processing"
    default_message = "The asset is still being prepared; retry later."


class AssetPaymentRequired(Conflict):
    code = "asset_payment_required"
    default_message = "The asset is awaiting payment; top up your credits to activate it."


class AssetFailed(Conflict):
    code = "asset_failed"
    default_message = "The asset failed to process; upload it again."


class UnsupportedFormat(Conflict):
    code = "unsupported_format"
    default_message = "This export format is not available for this cut."


class BaseCutNotReady(Conflict):
    code = "base_cut_not_ready"
    default_message = "The base cut is not completed yet."
