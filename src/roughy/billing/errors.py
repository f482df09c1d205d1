from roughy.errors import BadRequest, Conflict, RoughyError, ValidationFailed


class BillingDisabled(Conflict):
    code = "billing_disabled"
    default_message = "Billing is switched off on this server; credits are granted by its operator."


class UnknownPrice(ValidationFailed):
    code = "unknown_price"
    default_message = "This price is not sold here."


class InvalidSignature(BadRequest):
    code = "invalid_signature"
    default_message = "The Stripe-Signature header does not match this payload, or is too old."


class MalformedEvent(BadRequest):
    code = "malformed_event"
    default_message = "The webhook body is not a Stripe event."


class PaymentProviderUnavailable(RoughyError):
    code, status = "payment_provider_unavailable", 502
    default_message = "Stripe did not answer as expected; try again in a moment."
