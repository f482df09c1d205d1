from roughy.errors import Conflict, NotFound


class RenderNotFound(NotFound):
    default_message = "Render not found."


class AssetNotReady(Conflict):
    code = "asset_not_ready"
    default_message = "The asset is not ready to render."


class ModifierNotReady(Conflict):
    code = "modifier_not_ready"
    default_message = "The cut is not completed yet."
