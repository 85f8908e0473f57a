"""Bacs Direct Debit formats for subscriptions: modulus checks, calendar, Standard 18, reports."""
