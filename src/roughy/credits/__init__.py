"""The credit ledger: append-only; a balance is the sum of its deltas."""
