from roughy.errors import Conflict, NotFound


class RenderNotFound(NotFound):
    default_message = "Render not found."


class ModifierNotReady(Conflict):
    code = "modifier_not_ready"
    default_message = "The cut is not completed yet."
