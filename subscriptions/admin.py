"""Subscriptions in the admin. Each part registers its own screens in its own module."""

from . import checkoff_admin  # noqa: F401  (check-off schedules: the membership officer's)
