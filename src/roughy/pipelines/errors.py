"""Pipeline errors: each has a stable code (rendered as `{"detail", "code"}` on /api/v1)."""

from roughy.errors import BadRequest, Conflict, NotFound, ValidationFailed


class PipelineNotFound(NotFound):
    default_message = "Pipeline not found."


class StepNotFound(NotFound):
    default_message = "Pipeline step not found."


class InputAssetNotFound(NotFound):
    default_message = "Input asset not found."


class InvalidPipeline(ValidationFailed):
    code = "invalid_pipeline"
    default_message = "The pipeline definition is invalid."


class UsageUnitsRequired(ValidationFailed):
    code = "usage_units_required"
    default_message = "usage_units is required for every step when no input_asset_id is given."


class InvalidPricingToken(BadRequest):
    code = "invalid_pricing_token"
    default_message = "The pricing token is malformed or its signature does not verify."


class PricingTokenExpired(BadRequest):
    code = "pricing_token_expired"
    default_message = "The pricing token has expired; request a new estimate."


class PricingTokenMismatch(ValidationFailed):
    code = "pricing_token_mismatch"
    default_message = "The pricing token was issued for a different pipeline or account."


class PipelineStateConflict(Conflict):
    code = "invalid_pipeline_state"
    default_message = "The pipeline's state does not allow this."


class PricingTokenUsed(Conflict):
    code = "pricing_token_used"
    default_message = "This pricing token already created a pipeline; request a new estimate."


class RenderNeedsVideo(InvalidPipeline):
    code = "video_output_from_audio"
    default_message = "A render step makes a video, so its input must be a video asset."
