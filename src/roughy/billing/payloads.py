"""The few fields Roughy reads from Stripe event objects, read as plain JSON.

Shapes follow the library's pinned API version; fields that newer versions moved (an invoice's
subscription under `parent`, a line's price under `pricing`) are also read where older versions
kept them, so an endpoint pinned to an older version still works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from roughy.billing.errors import MalformedEvent

JSON = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: datetime
    object: JSON


@dataclass(frozen=True)
class CompletedCheckout:
    session_id: str
    customer_id: str | None
    mode: str
    paid: bool
    payment_intent_id: str | None
    subscription_id: str | None


@dataclass(frozen=True)
class PlanLine:
    price_id: str
    quantity: int


@dataclass(frozen=True)
class PaidInvoice:
    invoice_id: str
    customer_id: str | None
    subscription_id: str | None
    billing_reason: str | None
    created: datetime
    lines: tuple[PlanLine, ...]
    payment_intent_id: str | None


@dataclass(frozen=True)
class RefundedCharge:
    charge_id: str
    customer_id: str | None
    payment_intent_id: str | None
    invoice_id: str | None
    amount: int
    amount_refunded: int


@dataclass(frozen=True)
class EndedSubscription:
    subscription_id: str
    customer_id: str | None
    ended_at: datetime | None


def parse_event(raw: Any) -> Event:
    try:
        return Event(
            id=_text(raw["id"]),
            type=_text(raw["type"]),
            created=_time(raw["created"]),
            object=_json(raw["data"]["object"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedEvent() from error


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a string")
    return value


def _json(value: Any) -> JSON:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, int):
        raise ValueError("expected a unix time")
    return datetime.fromtimestamp(value, tz=UTC)


def _ref(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object carrying it."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _dig(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _guarded(parse: Callable[[JSON], T]) -> Callable[[JSON], T]:
    def wrapper(obj: JSON) -> T:
        try:
            return parse(obj)
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedEvent() from error

    return wrapper


@_guarded
def completed_checkout(obj: JSON) -> CompletedCheckout:
    return CompletedCheckout(
        session_id=_text(obj["id"]),
        customer_id=_ref(obj.get("customer")),
        mode=_text(obj["mode"]),
        paid=obj.get("payment_status") == "paid",
        payment_intent_id=_ref(obj.get("payment_intent")),
        subscription_id=_ref(obj.get("subscription")),
    )


def _line_price(line: JSON) -> str | None:
    return _ref(_dig(line, "pricing", "price_details", "price")) or _ref(line.get("price"))


def _is_proration(line: JSON) -> bool:
    details = _dig(line, "parent", "subscription_item_details") or {}
    return bool(details.get("proration") or line.get("proration"))


def _plan_lines(obj: JSON) -> tuple[PlanLine, ...]:
    found: list[PlanLine] = []
    for line in _dig(obj, "lines", "data") or []:
        price = _line_price(line) if isinstance(line, dict) else None
        if price is None or _is_proration(line):
            continue
        found.append(PlanLine(price_id=price, quantity=int(line.get("quantity") or 1)))
    return tuple(found)


def _invoice_payment_intent(obj: JSON) -> str | None:
    for payment in _dig(obj, "payments", "data") or []:
        found = _ref(_dig(payment, "payment", "payment_intent"))
        if found:
            return found
    return _ref(obj.get("payment_intent"))


@_guarded
def paid_invoice(obj: JSON) -> PaidInvoice:
    subscription = _dig(obj, "parent", "subscription_details", "subscription")
    return PaidInvoice(
        invoice_id=_text(obj["id"]),
        customer_id=_ref(obj.get("customer")),
        subscription_id=_ref(subscription) or _ref(obj.get("subscription")),
        billing_reason=obj.get("billing_reason"),
        created=_time(obj["created"]),
        lines=_plan_lines(obj),
        payment_intent_id=_invoice_payment_intent(obj),
    )


@_guarded
def refunded_charge(obj: JSON) -> RefundedCharge:
    return RefundedCharge(
        charge_id=_text(obj["id"]),
        customer_id=_ref(obj.get("customer")),
        payment_intent_id=_ref(obj.get("payment_intent")),
        invoice_id=_ref(obj.get("invoice")),
        amount=int(obj["amount"]),
        amount_refunded=int(obj["amount_refunded"]),
    )


@_guarded
def ended_subscription(obj: JSON) -> EndedSubscription:
    ended = obj.get("ended_at") or obj.get("canceled_at")
    return EndedSubscription(
        subscription_id=_text(obj["id"]),
        customer_id=_ref(obj.get("customer")),
        ended_at=_time(ended) if ended is not None else None,
    )
