"""Paying for credits with Stripe: Checkout for credit packs and plans, the customer portal, and
signed Stripe webhooks that turn payments into `topup` ledger entries (and refunds back)."""
