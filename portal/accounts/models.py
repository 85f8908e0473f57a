from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fields import EncryptedJSONListField, EncryptedTextField

from .choices import (
    Channel,
    CommunicationKind,
    EmployerKind,
    FeeBand,
    Hours,
    JobRole,
    MembershipStatus,
    Nation,
    Section,
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: a member, an officer or a member of staff. Email is the login."""

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    is_staff = models.BooleanField(
        "staff access",
        default=False,
        help_text="Can open the admin (after setting up two-factor authentication).",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    regions = models.ManyToManyField(
        "accounts.Region",
        blank=True,
        related_name="officers",
        help_text="For officers: the regions whose casework they cover.",
    )
    # The language the member chose (the switch or the preferences page); empty until they
    # choose. Their pages follow it and their emails are written in it (portal/i18n.py).
    # The database fills in the empty default too, for rows written without the model.
    language = models.CharField(
        max_length=8,
        blank=True,
        default="",
        db_default="",
        choices=settings.LANGUAGES,
        help_text="The language of the member's pages and emails (empty: English, not chosen).",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        # Staff are a few dozen among hundreds of thousands of members: the officer lists
        # (assign-to choices, the queue's officer filter) read this, not the whole table.
        indexes = [
            models.Index(
                fields=["first_name", "last_name"],
                condition=models.Q(is_staff=True),
                name="user_staff_by_name",
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email


class Region(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    nation = models.CharField(max_length=20, choices=Nation.choices)

    class Meta:
        ordering = ["nation", "name"]

    def __str__(self):
        return self.name


class Employer(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField("type", max_length=20, choices=EmployerKind.choices)
    town = models.CharField(max_length=100, blank=True)
    verified = models.BooleanField(
        default=True,
        help_text="Employers added by people joining are unverified until staff check them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="employer_name_lower")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), Lower("town"), "kind", name="employer_unique_name_town_kind"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name}, {self.town}" if self.town else self.name


class Workplace(models.Model):
    """A site where members work (a school, a college, a council's education service),
    belonging to one employer: a trust or a council has many. A workplace named by someone
    joining waits, unverified, until an officer checks it, as employers do."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="workplaces")
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    town = models.CharField(max_length=100, blank=True)
    verified = models.BooleanField(
        default=True,
        help_text="Workplaces added by people joining are unverified until staff check them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(Lower("name"), name="workplace_name_lower")]
        constraints = [
            models.UniqueConstraint(
                "employer",
                Lower("name"),
                "postcode",
                name="workplace_unique_name_postcode",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name}, {self.postcode}" if self.postcode else self.name


class Membership(models.Model):
    """The union membership of one person: number, status, section, fee band, workplace."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    number = models.CharField("membership number", max_length=12, unique=True)
    status = models.CharField(
        max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.APPLICANT
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    joined_on = models.DateField(default=timezone.localdate)
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="members")
    job_role = models.CharField(max_length=30, choices=JobRole.choices)
    hours = models.CharField(max_length=12, choices=Hours.choices)
    section = models.CharField(max_length=20, choices=Section.choices)
    fee_band = models.CharField(max_length=4, choices=FeeBand.choices)
    workplace = models.ForeignKey(
        Workplace, on_delete=models.PROTECT, related_name="members", null=True, blank=True
    )
    workplace_postcode = models.CharField(max_length=10)
    nation = models.CharField(max_length=20, choices=Nation.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="members")
    is_rep = models.BooleanField(
        "workplace rep", default=False, help_text="Listed as the rep for their workplace."
    )

    class Meta:
        indexes = [
            models.Index(fields=["section", "status"]),
            models.Index(fields=["region", "status"]),
            models.Index(fields=["employer", "is_rep"]),
        ]

    def __str__(self):
        return f"{self.number} {self.user}"

    def get_absolute_url(self):
        return reverse("accounts:dashboard")

    @property
    def is_leadership(self) -> bool:
        return self.section == Section.LEADERSHIP


class ConsentState(models.Model):
    """A member's current consent to one kind of communication on one channel."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=CommunicationKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    granted = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="consent_one_per_kind_channel"
            )
        ]
        indexes = [models.Index(fields=["kind", "channel", "granted"])]

    def __str__(self):
        state = "given" if self.granted else "withdrawn"
        return f"{self.get_kind_display()} by {self.get_channel_display()}: {state}"


class ConsentEvent(models.Model):
    """Every change of consent, kept as the record of when it was given or withdrawn."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consent_events")
    kind = models.CharField(max_length=20, choices=CommunicationKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=40, default="preferences")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.kind}/{self.channel} {'given' if self.granted else 'withdrawn'}"


class Ethnicity(models.TextChoices):
    ASIAN = "asian", _("Asian or Asian British")
    BLACK = "black", _("Black, Black British, Caribbean or African")
    MIXED = "mixed", _("Mixed or multiple ethnic groups")
    WHITE = "white", _("White")
    OTHER = "other", _("Another ethnic group")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class YesNoUndisclosed(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class SexualOrientation(models.TextChoices):
    BISEXUAL = "bisexual", _("Bisexual")
    GAY_LESBIAN = "gay_lesbian", _("Gay or lesbian")
    HETEROSEXUAL = "heterosexual", _("Heterosexual or straight")
    OTHER = "other", _("Another sexual orientation")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class Network(models.TextChoices):
    BLACK = "black", _("Black members' network")
    LGBT = "lgbt", _("LGBT+ members' network")
    DISABLED = "disabled", _("Disabled members' network")
    WOMEN = "women", _("Women members' network")


class EqualityMonitoring(models.Model):
    """Self-declared and optional; kept apart from the profile and encrypted at rest. Only
    people with the `accounts.view_equalitymonitoring` permission see it in the admin."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="equality")
    ethnicity = EncryptedTextField(choices=Ethnicity.choices, blank=True)
    disabled = EncryptedTextField(
        "disability",
        choices=YesNoUndisclosed.choices,
        blank=True,
        help_text=_("Do you consider yourself to be disabled?"),
    )
    sexual_orientation = EncryptedTextField(choices=SexualOrientation.choices, blank=True)
    trans = EncryptedTextField(
        "trans history",
        choices=YesNoUndisclosed.choices,
        blank=True,
        help_text=_("Is your gender identity different from the sex you were assigned at birth?"),
    )
    networks = EncryptedJSONListField("networks you would like to hear from", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "equality monitoring record"

    def __str__(self):
        return f"Equality monitoring for user {self.user_id}"

    def network_labels(self) -> list[str]:
        return [Network(n).label for n in self.networks if n in Network.values]


class RoleGrantStatus(models.TextChoices):
    PENDING = "pending", "awaiting a second administrator"
    APPROVED = "approved", "approved"
    REFUSED = "refused", "refused"
    CANCELLED = "cancelled", "cancelled"
    DIRECT = "direct", "granted directly (no second approval needed)"


class RoleGrant(models.Model):
    """One request to give a person a role (group). Roles that open confidential data need a
    second administrator's approval: the request waits here, and the person is added to the
    group only when someone other than the requester and the grantee approves it. A request
    never changes after it is made (the database refuses): to change it, cancel it and ask
    again."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_grants")
    group = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=RoleGrantStatus.choices, default=RoleGrantStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [("decide_rolegrant", "Can approve or refuse role grants")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                condition=models.Q(status="pending"),
                name="rolegrant_one_pending_per_user_group",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="rolegrant_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("user")),
                name="rolegrant_not_decided_by_grantee",
            ),
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("user")),
                name="rolegrant_not_requested_for_oneself",
            ),
        ]

    def __str__(self):
        return f"Role grant {self.pk}: {self.group} for user {self.user_id}"


class RoleChangeField(models.TextChoices):
    GROUPS = "groups", "roles (groups)"
    USER_PERMISSIONS = "user_permissions", "permissions"
    REGIONS = "regions", "regions"
    IS_STAFF = "is_staff", "staff access"
    IS_SUPERUSER = "is_superuser", "superuser status"
    IS_ACTIVE = "is_active", "active"
    MEMBERSHIP_STATUS = "membership_status", "membership status"
    GROUP_PERMISSIONS = "group_permissions", "a role's permissions"


class RoleChange(models.Model):
    """The history of every change to a person's access and membership status. Rows are
    written by database triggers (migration 0005), never by Django, so that `.update()`,
    `.groups.add()` and raw SQL are recorded too; the database refuses to change or delete
    them. `actor` is who the portal says made the change (unknown for changes made outside
    the portal's services)."""

    at = models.DateTimeField()
    user = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="role_changes",
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.CharField(max_length=20, choices=RoleChangeField.choices)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"Change {self.pk} to {self.field} of user {self.user_id}"


class ContactDetails(models.Model):
    """A member's home address and mobile number, encrypted at rest like case text.

    Statutory industrial-action ballots are sent by post to the home address. Changed only by
    the member (`/me/contact/`) or by someone with `accounts.change_contactdetails` (the
    membership officer), through `services.contact_details_save`, which records each
    changed field in `ContactDetailsChange`. An address is either empty or complete (first
    line, town, country, and a postcode where the country has them): `contact.py`."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contact")
    address_line_1 = EncryptedTextField("address line 1", blank=True)
    address_line_2 = EncryptedTextField("address line 2", blank=True)
    address_line_3 = EncryptedTextField("address line 3", blank=True)
    town = EncryptedTextField("town or city", blank=True)
    postcode = EncryptedTextField("postcode", blank=True)
    country = EncryptedTextField(
        "country", blank=True, help_text=_("ISO 3166 code: GB, JE, GG, IM or another country.")
    )
    mobile = EncryptedTextField(
        "mobile number", blank=True, help_text=_("E.164, e.g. +447400123456")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "contact details"
        verbose_name_plural = "contact details"

    def __str__(self):
        return f"Contact details of user {self.user_id}"

    @property
    def has_home_address(self) -> bool:
        return bool(self.address_line_1 and self.town and self.country)

    def address_lines(self) -> list[str]:
        from .contact import UNITED_KINGDOM, country_name

        lines = [self.address_line_1, self.address_line_2, self.address_line_3, self.town]
        lines.append(self.postcode)
        if self.country and self.country != UNITED_KINGDOM:
            lines.append(country_name(self.country))
        return [line for line in lines if line]


class ContactField(models.TextChoices):
    ADDRESS_LINE_1 = "address_line_1", _("address line 1")
    ADDRESS_LINE_2 = "address_line_2", _("address line 2")
    ADDRESS_LINE_3 = "address_line_3", _("address line 3")
    TOWN = "town", _("town or city")
    POSTCODE = "postcode", _("postcode")
    COUNTRY = "country", _("country")
    MOBILE = "mobile", _("mobile number")


class ContactDetailsChange(models.Model):
    """One field of a member's contact details changed: which, by whom, when. The old and new
    values are not kept: the current value is on the record, and a history of former home
    addresses would be personal data kept for no purpose (UK GDPR art. 5(1)(c))."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="contact_changes")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_member = models.BooleanField(help_text="Made by the member themselves.")
    field = models.CharField(max_length=20, choices=ContactField.choices)
    cleared = models.BooleanField(default=False, help_text="The field was emptied.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "contact details change"
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.get_field_display()} of user {self.user_id} changed"


class RecordPart(models.TextChoices):
    USER = "user", _("account and membership")
    MEMBERSHIP = "membership", _("membership")
    CONTACT = "contact", _("contact details")


class RecordAccess(models.Model):
    """Someone other than the member opened the member's record in the admin: who, which
    part, when, from where. Append-only; in the member's data export."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="record_accesses")
    viewer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    part = models.CharField(max_length=12, choices=RecordPart.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "member record access"
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.get_part_display()} of user {self.user_id} opened by {self.viewer_id}"


class DataExportStatus(models.TextChoices):
    PREPARING = "preparing", _("being prepared")
    READY = "ready", _("ready to download")
    DOWNLOADED = "downloaded", _("downloaded")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("could not be prepared")


class DataExport(models.Model):
    """A member's request for everything the union holds on them, as a ZIP. Prepared by a
    task (`accounts.tasks.data_export_build`); the ZIP is stored encrypted under
    PRIVATE_MEDIA_ROOT and deleted when it is downloaded (once) or when it expires (an hour
    after it is ready). The link carries `key`, which only the member's own page shows."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    key = models.UUIDField(unique=True, editable=False)
    status = models.CharField(
        max_length=12, choices=DataExportStatus.choices, default=DataExportStatus.PREPARING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField("size in bytes", default=0)
    stored_as = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "data export"
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"Data export {self.pk} of user {self.user_id}"
