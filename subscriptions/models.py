"""How members pay: Direct Debit mandates (through a Bacs bureau or GoCardless), payroll
deduction (check-off), card payments for arrears; the collections that fall due, the bureau's
files and reports, and the providers' events.

Money is held in whole pence (`*_pence`, integers): Bacs files carry pence, and sums of pence
never round. Bank details are as confidential as case text: encrypted at rest
(`EncryptedTextField`), shown to anyone (member or officer) only as the account number's last
two digits (`account_last2`), never written to logs, task arguments, emails or history rows.
Bureau files hold bank details too, so their content is encrypted as well.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import EncryptedTextField


class Method(models.TextChoices):
    """How a member's regular subscription is paid. Card is for arrears and one-off payments
    only, so it is not a regular method."""

    DIRECT_DEBIT = "direct_debit", _("Direct Debit")
    PAYROLL = "payroll", _("Payroll deduction")
    NONE = "none", _("Not set up yet")


class Provider(models.TextChoices):
    BUREAU = "bureau", _("Bacs bureau")
    GOCARDLESS = "gocardless", _("GoCardless")


class PaymentArrangement(models.Model):
    """How one member pays, today."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="payment"
    )
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.NONE)
    # Payroll deduction: the employer that deducts, and the member's payroll (employee) number
    # there, which the check-off schedule carries.
    payroll_employer = models.ForeignKey(
        "accounts.Employer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkoff_members",
    )
    payroll_number = EncryptedTextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["payroll_employer", "method"])]

    def __str__(self):
        return f"Payment of membership {self.membership_id}: {self.get_method_display()}"


class MandateStatus(models.TextChoices):
    PENDING = "pending", _("Being set up")  # waiting for the next AUDDIS file (0N) / provider
    ACTIVE = "active", _("Active")  # lodged with the payer's bank
    CANCELLING = "cancelling", _("Being cancelled")  # waiting for the next AUDDIS file (0C)
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Refused by the bank")  # rejected in an AUDDIS return


LIVE_MANDATE_STATUSES = (MandateStatus.PENDING, MandateStatus.ACTIVE)


class Mandate(models.Model):
    """A Direct Debit Instruction: the member's authority for the union to collect from
    their bank account. A change of bank is a new mandate (the old one is cancelled)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="mandates"
    )
    provider = models.CharField(max_length=12, choices=Provider.choices)
    # The payer reference the member's bank statement shows (6–18 characters, Bacs rules).
    reference = models.CharField(max_length=18, unique=True)
    account_holder = EncryptedTextField()
    sort_code = EncryptedTextField()
    account_number = EncryptedTextField()
    account_last2 = models.CharField(max_length=2)
    status = models.CharField(
        max_length=12, choices=MandateStatus.choices, default=MandateStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_collection_on = models.DateField(null=True, blank=True)
    lodged_at = models.DateTimeField(null=True, blank=True)
    lodged_in = models.ForeignKey(
        "BacsFile", on_delete=models.PROTECT, null=True, blank=True, related_name="lodged"
    )
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_in = models.ForeignKey(
        "BacsFile", on_delete=models.PROTECT, null=True, blank=True, related_name="cancelled"
    )
    # Why it ended, in words the member and the officer read (a reason code's meaning).
    end_reason = models.CharField(max_length=200, blank=True)
    # GoCardless's own id (MD…), when the provider is GoCardless.
    provider_id = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(status__in=["pending", "active"]),
                name="mandate_one_live_per_membership",
            ),
            models.CheckConstraint(
                condition=Q(account_last2__regex=r"^[0-9]{2}$"), name="mandate_last2_digits"
            ),
        ]
        indexes = [models.Index(fields=["status", "provider"])]

    def __str__(self):
        return f"Mandate {self.reference}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_MANDATE_STATUSES

    @property
    def masked_account(self) -> str:
        return f"******{self.account_last2}"


class CollectionKind(models.TextChoices):
    """Bacs transaction codes of a Direct Debit collection (payroll lines use REGULAR)."""

    FIRST = "01", _("First collection")
    REGULAR = "17", _("Regular collection")
    REPRESENTED = "18", _("Re-presented collection")
    FINAL = "19", _("Final collection")


class CollectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SUBMITTED = "submitted", _("Sent for collection")
    PAID = "paid", _("Paid")
    UNPAID = "unpaid", _("Unpaid")  # returned by the bank; owed (arrears)
    REPRESENTED = "represented", _("Unpaid, collected again")  # a re-presentation follows
    SETTLED = "settled", _("Unpaid, since paid")  # paid another way (card)
    CANCELLED = "cancelled", _("Cancelled")


ARREARS_STATUSES = (CollectionStatus.UNPAID,)


class Collection(models.Model):
    """One amount due from a member for one period, by Direct Debit or payroll deduction."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="collections"
    )
    method = models.CharField(max_length=20, choices=Method.choices)
    mandate = models.ForeignKey(
        Mandate, on_delete=models.PROTECT, null=True, blank=True, related_name="collections"
    )
    kind = models.CharField(
        max_length=2, choices=CollectionKind.choices, default=CollectionKind.REGULAR
    )
    status = models.CharField(
        max_length=12, choices=CollectionStatus.choices, default=CollectionStatus.SCHEDULED
    )
    due_on = models.DateField()  # the collection date: a Bacs processing day
    period_start = models.DateField()
    period_end = models.DateField()
    amount_pence = models.PositiveIntegerField()
    bacs_file = models.ForeignKey(
        "BacsFile", on_delete=models.PROTECT, null=True, blank=True, related_name="collections"
    )
    checkoff_schedule = models.ForeignKey(
        "CheckOffSchedule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
    )
    represents = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="representations"
    )
    settled_by = models.ForeignKey(
        "CardPayment", on_delete=models.PROTECT, null=True, blank=True, related_name="settles"
    )
    unpaid_code = models.CharField(max_length=2, blank=True)
    unpaid_reason = models.CharField(max_length=200, blank=True)
    unpaid_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=40, blank=True, db_index=True)  # GoCardless PM…
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "period_start"],
                condition=Q(represents=None) & ~Q(status="cancelled"),
                name="collection_one_per_period",
            ),
            models.UniqueConstraint(
                fields=["represents"],
                condition=~Q(represents=None),
                name="collection_represented_once",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="collection_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["membership", "-due_on"]),
        ]

    def __str__(self):
        return f"Collection {self.pk} of £{self.amount_pence / 100:.2f} on {self.due_on}"

    @property
    def amount(self):
        from decimal import Decimal

        return Decimal(self.amount_pence) / 100


class CardPaymentStatus(models.TextChoices):
    CREATED = "created", _("Started")
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Not paid")


class CardPayment(models.Model):
    """A payment by card through the card provider: arrears or a one-off payment."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="card_payments"
    )
    amount_pence = models.PositiveIntegerField()
    provider = models.CharField(max_length=20)
    intent_id = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        max_length=12, choices=CardPaymentStatus.choices, default=CardPaymentStatus.CREATED
    )
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_pence__gt=0), name="cardpayment_positive")
        ]

    def __str__(self):
        return f"Card payment {self.pk}"


class BacsFileKind(models.TextChoices):
    AUDDIS = "auddis", _("AUDDIS lodgement (new and cancelled instructions)")
    COLLECTION = "collection", _("Standard 18 collection file")


class BacsFile(models.Model):
    """A file written for the Bacs bureau. Its content holds bank details: encrypted."""

    kind = models.CharField(max_length=12, choices=BacsFileKind.choices)
    serial = models.PositiveIntegerField()
    processing_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = EncryptedTextField()
    sha256 = models.CharField(max_length=64)
    record_count = models.PositiveIntegerField(default=0)
    total_pence = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "serial"], name="bacsfile_serial_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial:06d} for {self.processing_date}"


class ReportKind(models.TextChoices):
    AUDDIS = "auddis", _("AUDDIS return (instructions refused)")
    ARUDD = "arudd", _("ARUDD (unpaid Direct Debits)")
    ADDACS = "addacs", _("ADDACS (amendments and cancellations by the payer's bank)")


class BacsReport(models.Model):
    """A report from the bureau, imported once: the same file (by its SHA-256) again
    changes nothing."""

    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = EncryptedTextField()
    report_date = models.DateField(null=True, blank=True)
    item_count = models.PositiveIntegerField(default=0)
    applied = models.JSONField(default=dict, blank=True)  # counts of what the import did

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.report_date or self.uploaded_at:%Y-%m-%d}"


class BacsException(models.Model):
    """An item of a report the portal could not settle on its own (an unknown mandate, a
    closed account, a refused instruction): the membership officer's to resolve."""

    report = models.ForeignKey(BacsReport, on_delete=models.CASCADE, related_name="exceptions")
    mandate = models.ForeignKey(
        Mandate, on_delete=models.SET_NULL, null=True, blank=True, related_name="exceptions"
    )
    collection = models.ForeignKey(
        Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="exceptions"
    )
    reference = models.CharField(max_length=18)
    code = models.CharField(max_length=2, blank=True)
    message = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["resolved_at", "-pk"]
        indexes = [models.Index(fields=["resolved_at"])]

    def __str__(self):
        return f"Exception {self.pk} ({self.reference})"


class ProviderEvent(models.Model):
    """A webhook event from a payment provider, kept so that an event delivered twice is
    processed once."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=60)
    resource_type = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=60, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="providerevent_once")
        ]

    def __str__(self):
        return f"{self.provider} event {self.event_id}"


class CheckOffSchedule(models.Model):
    """One employer's monthly payroll-deduction schedule: who to deduct and how much; then
    what the employer actually paid, line by line."""

    employer = models.ForeignKey(
        "accounts.Employer", on_delete=models.PROTECT, related_name="checkoff_schedules"
    )
    month = models.DateField()  # the first day of the month deducted
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total_pence = models.BigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_pence = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "employer_id"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "month"], name="checkoff_one_per_month")
        ]
        permissions = [
            ("download_checkoffschedule", "Can download an employer's check-off schedule")
        ]

    def __str__(self):
        return f"Check-off for employer {self.employer_id}, {self.month:%B %Y}"


# -- collections, arrears and leaving (subscriptions.collections, .arrears, .leaving) --------


class PaymentNoticeKind(models.TextChoices):
    COLLECTION = "collection", _("Advance notice of a collection")
    ADJUSTED = "adjusted", _("Advance notice of a new amount")
    REPRESENTED = "represented", _("A returned collection is collected again")
    REMINDER = "reminder", _("Reminder of an unpaid month")
    LAPSE_WARNING = "lapse_warning", _("Warning that the membership will lapse")
    LAPSED = "lapsed", _("The membership lapsed for non-payment")
    CLEARED = "cleared", _("A lapsed member has paid what was owed (told the officers)")
    FINAL = "final", _("Final collection on resigning")


class PaymentNotice(models.Model):
    """A notice the portal sent a member (or the officers) about a collection or arrears,
    kept so that no notice is sent twice: one per kind and day it is about (a collection's
    due date, an unpaid month's first day, the oldest unpaid month)."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="payment_notices"
    )
    kind = models.CharField(max_length=16, choices=PaymentNoticeKind.choices)
    for_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "kind", "for_date"], name="paymentnotice_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for membership {self.membership_id} ({self.for_date})"


# -- payroll deduction (subscriptions.checkoff) ----------------------------------------------


class CheckOffDownload(models.Model):
    """Someone downloaded an employer's schedule (it names members and payroll numbers)."""

    schedule = models.ForeignKey(
        CheckOffSchedule, on_delete=models.CASCADE, related_name="downloads"
    )
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"Download of check-off schedule {self.schedule_id}"


class CheckOffReconciliation(models.Model):
    """What an employer's return did to its schedule: counts, and the lines it named that
    the schedule does not hold (membership number, or the payroll number's last two
    characters, and the amount)."""

    schedule = models.OneToOneField(
        CheckOffSchedule, on_delete=models.CASCADE, related_name="reconciliation"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"Reconciliation of check-off schedule {self.schedule_id}"


# --- The Bacs bureau's files: who downloaded them (subscriptions.bureau) -------------------


class BacsFileDownload(models.Model):
    """Who downloaded a bureau file, when: the file holds members' bank details."""

    bacs_file = models.ForeignKey(BacsFile, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        permissions = [
            ("download_bacsfile", "Can download bureau files (they hold bank details)"),
            ("write_bacsfile", "Can write the bureau's AUDDIS and collection files now"),
        ]

    def __str__(self):
        return f"{self.bacs_file} downloaded by {self.user_id} at {self.at:%Y-%m-%d %H:%M}"


def _membership_model():
    from portal.accounts.models import Membership

    return Membership


class Arrears(_membership_model()):
    """The membership officer's arrears queue: members with unpaid collections (a proxy of
    the membership, listed with what they owe by `subscriptions.admin.ArrearsAdmin`)."""

    class Meta:
        proxy = True
        verbose_name = "member in arrears"
        verbose_name_plural = "arrears"
