from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import Channel, EmployerKind, Hours, JobRole, Nation
from .membership import normalise_postcode, postcode_matches_nation
from .models import EqualityMonitoring, Network, Region
from .selectors import employers_named, workplaces_named
from .services import NewEmployer, NewWorkplace

# Error messages are constants so that tests assert against the same words people read.
EMPLOYER_REQUIRED = _("Enter your employer's name, or choose it from the list.")
EMPLOYER_AMBIGUOUS = _(
    "Several employers have this name. Choose yours from the list: each shows its town."
)
EMPLOYER_KIND_REQUIRED = _(
    "We do not know this employer yet. Choose its type so that we can add it."
)
POSTCODE_INVALID = _("Enter a real UK postcode, like SW1A 1AA.")
POSTCODE_NATION_MISMATCH = _(
    "Postcodes in Northern Ireland start with BT, and only they do: check the postcode "
    "and where you work."
)
PASSWORDS_DIFFER = _("The two passwords are not the same.")
WORKPLACE_OTHER_EMPLOYER = _(
    "This workplace belongs to another employer. Choose one of your employer's workplaces "
    "from the list, or check the employer."
)
WORKPLACE_AMBIGUOUS = _(
    "Several of your employer's workplaces have this name. Choose yours from the list: "
    "each shows its postcode."
)


def employer_field(help_text: str) -> forms.CharField:
    """The employer box: free text, filled with suggestions from /join/employers/."""
    return forms.CharField(
        label=_("Employer"),
        max_length=200,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "list": "employer-options",
                "autocomplete": "off",
                "data-employer-search": "/join/employers/",
            }
        ),
    )


def employer_kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Type of employer (only if it is not in the list)"),
        choices=[("", _("Choose a type"))] + EmployerKind.choices,
        required=False,
    )


def clean_employer_choice(form: forms.Form, cleaned: dict, *, town: str = "") -> None:
    """Resolve the typed employer (a name, or "name, town" from the list) into
    `cleaned["employer_obj"]`: a known employer, or a new one when its type is given.
    Used by every form with `employer` and `employer_kind` fields; a form set up with
    `own_employer_id` (the member's current employer) matches it even while unverified."""
    typed = " ".join((cleaned.get("employer") or "").split())
    if not typed:
        return
    kind = cleaned.get("employer_kind")
    matches = employers_named(typed, own_employer_id=getattr(form, "own_employer_id", None))
    if kind:
        matches = [e for e in matches if e.kind == kind] or matches
    if len(matches) == 1:
        cleaned["employer_obj"] = matches[0]
    elif len(matches) > 1:
        form.add_error("employer", EMPLOYER_AMBIGUOUS)
    elif not kind:
        form.add_error("employer_kind", EMPLOYER_KIND_REQUIRED)
    else:
        cleaned["employer_obj"] = NewEmployer(name=typed, kind=kind, town=town)


def workplace_field() -> forms.CharField:
    """The workplace box: free text, filled with suggestions from /join/workplaces/ for the
    employer in the employer box."""
    return forms.CharField(
        label=_("Workplace (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Your school, college or site. Start typing to search your employer's workplaces; "
            "if yours is not listed, type its name and we will add it."
        ),
        widget=forms.TextInput(
            attrs={
                "list": "workplace-options",
                "autocomplete": "off",
                "data-workplace-search": "/join/workplaces/",
            }
        ),
    )


def clean_workplace_choice(form: forms.Form, cleaned: dict) -> None:
    """Resolve the typed workplace into `cleaned["workplace_obj"]`: one of the chosen
    employer's verified workplaces (or the member's own, set up as `own_workplace_id`), a
    new one by name, or None when the box is empty (the postcode then decides). A workplace
    of another employer is refused."""
    cleaned["workplace_obj"] = None
    typed = " ".join((cleaned.get("workplace") or "").split())
    employer = cleaned.get("employer_obj")
    if not typed or employer is None:
        return
    employer_id = getattr(employer, "pk", None)
    matches, elsewhere = workplaces_named(
        typed, employer_id=employer_id, own_workplace_id=getattr(form, "own_workplace_id", None)
    )
    if len(matches) > 1:
        postcode = cleaned.get("workplace_postcode")
        matches = [w for w in matches if w.postcode == postcode] or matches
    if len(matches) == 1:
        cleaned["workplace_obj"] = matches[0]
    elif matches:
        form.add_error("workplace", WORKPLACE_AMBIGUOUS)
    elif elsewhere:
        form.add_error("workplace", WORKPLACE_OTHER_EMPLOYER)
    else:
        name = typed
        if ", " in typed and normalise_postcode(typed.rsplit(", ", 1)[1]):
            name = typed.rsplit(", ", 1)[0]
        cleaned["workplace_obj"] = NewWorkplace(name=name)


def region_choices() -> list:
    """One list for nation and region: England's regions under "England", then Wales,
    Scotland and Northern Ireland (one region each), so the region says the nation."""
    england = [
        (str(r.pk), r.name) for r in Region.objects.filter(nation=Nation.ENGLAND).order_by("name")
    ]
    others = {r.nation: (str(r.pk), r.name) for r in Region.objects.exclude(nation=Nation.ENGLAND)}
    choices: list = [("", _("Choose where you work"))]
    if england:
        choices.append((Nation.ENGLAND.label, england))
    choices += [others[n] for n in Nation.values if n in others]
    return choices


class WorkplaceForm(forms.Form):
    """Employer, role and workplace: shared by joining and by editing the profile."""

    employer = employer_field(
        _("Start typing to search. If yours is not listed, type its full name.")
    )
    employer_kind = employer_kind_field()
    employer_town = forms.CharField(
        label=_("Town of a new employer (optional)"), max_length=100, required=False
    )
    workplace = workplace_field()
    job_role = forms.ChoiceField(
        label=_("Job role"),
        choices=[("", _("Choose your role"))]
        + [
            (
                _("Teaching, support and improvement"),
                [
                    (r.value, r.label)
                    for r in JobRole
                    if r.value
                    in {
                        "teacher",
                        "supply_teacher",
                        "lecturer",
                        "support_staff",
                        "improvement",
                        "consultant",
                    }
                ],
            ),
            (
                "Leadership",
                [
                    (r.value, r.label)
                    for r in JobRole
                    if r.value
                    not in {
                        "teacher",
                        "supply_teacher",
                        "lecturer",
                        "support_staff",
                        "improvement",
                        "consultant",
                    }
                ],
            ),
        ],
    )
    hours = forms.ChoiceField(
        label=_("Do you work full or part time?"), choices=Hours.choices, widget=forms.RadioSelect
    )
    workplace_postcode = forms.CharField(
        label=_("Workplace postcode"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "class": "input-short"}),
    )
    region = forms.ChoiceField(
        label=_("Region or nation"),
        help_text=_("In England, your region. In Wales, Scotland or Northern Ireland, the nation."),
    )

    def __init__(
        self,
        *args,
        own_employer_id: int | None = None,
        own_workplace_id: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.own_employer_id = own_employer_id
        self.own_workplace_id = own_workplace_id
        self.fields["region"].choices = region_choices()

    def clean_workplace_postcode(self):
        postcode = normalise_postcode(self.cleaned_data["workplace_postcode"])
        if postcode is None:
            raise ValidationError(POSTCODE_INVALID)
        return postcode

    def clean(self):
        cleaned = super().clean()
        self._clean_employer(cleaned)
        nation = None
        region = (
            Region.objects.filter(pk=cleaned["region"]).first() if cleaned.get("region") else None
        )
        if region is not None:
            # The region says the nation: it is never asked separately.
            cleaned["region_obj"], cleaned["nation"] = region, region.nation
            nation = region.nation
        postcode = cleaned.get("workplace_postcode")
        if postcode and nation and not postcode_matches_nation(postcode, nation):
            self.add_error("workplace_postcode", POSTCODE_NATION_MISMATCH)
        clean_workplace_choice(self, cleaned)
        return cleaned

    def _clean_employer(self, cleaned):
        town = " ".join((cleaned.get("employer_town") or "").split())
        clean_employer_choice(self, cleaned, town=town)

    def workplace_data(self) -> dict:
        c = self.cleaned_data
        return {
            "employer": c["employer_obj"],
            "workplace": c.get("workplace_obj"),
            "job_role": c["job_role"],
            "hours": c["hours"],
            "workplace_postcode": c["workplace_postcode"],
            "nation": c["nation"],
            "region_id": c["region_obj"].pk,
        }


class JoinForm(WorkplaceForm):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 10 characters; not a common password, not only numbers."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    rep_contact = forms.BooleanField(
        label=_("My workplace rep may contact me by email"),
        help_text=_(
            "The union rep at your workplace can then send you messages about your workplace "
            "and sees your name if you join through their invite link. You can change this "
            "at any time in your preferences."
        ),
        required=False,
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "password2",
        "employer",
        "employer_kind",
        "employer_town",
        "workplace",
        "job_role",
        "hours",
        "workplace_postcode",
        "region",
        "rep_contact",
    ]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        # Every problem with the password at once, so that it is chosen again only once.
        if p1:
            from .models import User

            probe = User(
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
            )
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        if p1 and p2 and p1 != p2:
            self.add_error("password2", PASSWORDS_DIFFER)
        return cleaned


class ProfileForm(WorkplaceForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["first_name", "last_name"]


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel; service messages are not a choice."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            for channel in Channel:
                self.fields[f"{kind}__{channel.value}"] = forms.BooleanField(
                    label=channel.label, required=False
                )

    def granted(self) -> set[tuple[str, str]]:
        return {tuple(name.split("__", 1)) for name, value in self.cleaned_data.items() if value}


class EqualityForm(forms.ModelForm):
    networks = forms.MultipleChoiceField(
        label=_("Networks you would like to hear from"),
        choices=Network.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = EqualityMonitoring
        fields = ["ethnicity", "disabled", "sexual_orientation", "trans", "networks"]
        widgets = {
            "ethnicity": forms.RadioSelect,
            "disabled": forms.RadioSelect,
            "sexual_orientation": forms.RadioSelect,
            "trans": forms.RadioSelect,
        }
        labels = {
            "ethnicity": _("Ethnicity"),
            "disabled": _("Disability"),
            "sexual_orientation": _("Sexual orientation"),
            "trans": _("Trans history"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("ethnicity", "disabled", "sexual_orientation", "trans"):
            field = self.fields[name]
            field.required = False
            field.choices = [c for c in field.choices if c[0] != ""]


# --- allauth's forms with the union's labels (ACCOUNT_FORMS, MFA_FORMS in settings) -----
# Only labels, hints and messages change: the fields and their checks stay allauth's.

PASSWORD_HINT = _("At least 10 characters; not a common password, not only numbers.")


class _Relabelled:
    """Give named fields our label (and hint), without allauth's placeholder copy of it."""

    labels: dict = {}
    hints: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            field = self.fields[name]
            field.label = label
            field.widget.attrs.pop("placeholder", None)
        for name, hint in self.hints.items():
            self.fields[name].help_text = hint


NEW_PASSWORD_LABELS = {"password1": _("New password"), "password2": _("New password again")}


class ChangePasswordForm(_Relabelled, allauth_forms.ChangePasswordForm):
    labels = {"oldpassword": _("Current password"), **NEW_PASSWORD_LABELS}
    hints = {"password1": PASSWORD_HINT}


class SetPasswordForm(_Relabelled, allauth_forms.SetPasswordForm):
    labels = NEW_PASSWORD_LABELS
    hints = {"password1": PASSWORD_HINT}


class ResetPasswordKeyForm(_Relabelled, allauth_forms.ResetPasswordKeyForm):
    labels = NEW_PASSWORD_LABELS
    hints = {"password1": PASSWORD_HINT}


class _OurCodeMessage:
    """A wrong code is refused in our words (the account adapter's), not "Incorrect code."."""

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as error:
            if getattr(error, "code", None) == "incorrect_code":
                raise get_account_adapter().validation_error("incorrect_code") from error
            raise


class AuthenticateForm(_OurCodeMessage, _Relabelled, mfa_forms.AuthenticateForm):
    labels = {"code": _("6-digit code or recovery code")}


class ReauthenticateForm(_OurCodeMessage, _Relabelled, mfa_forms.ReauthenticateForm):
    labels = {"code": _("6-digit code or recovery code")}


class ActivateTOTPForm(_OurCodeMessage, _Relabelled, totp_forms.ActivateTOTPForm):
    labels = {"code": _("The 6-digit code the app shows")}


def _key_name(user) -> str:
    from allauth.mfa.models import Authenticator

    count = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN).count()
    return _("Security key") if count == 0 else _("Security key %(number)s") % {"number": count + 1}


class AddWebAuthnForm(_Relabelled, webauthn_forms.AddWebAuthnForm):
    labels = {"name": _("A name for this key")}
    hints = {"name": _("So that you can tell your keys apart, like “Blue key” or “Work laptop”.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("name", _key_name(kwargs["user"]))
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        return self.cleaned_data["name"] or str(_key_name(self.user))


class EditWebAuthnForm(_Relabelled, webauthn_forms.EditWebAuthnForm):
    labels = {"name": _("Name of the key")}


class ContactDetailsForm(forms.Form):
    """The member's home address and mobile. The rules are the service's
    (`services.contact_details_clean`): the admin's form asks the same function."""

    address_line_1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        required=False,
        help_text=_("The house number or name and the street."),
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line_2 = forms.CharField(
        label=_("Address line 2"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    address_line_3 = forms.CharField(
        label=_("Address line 3"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line3"}),
    )
    town = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=20,
        required=False,
        help_text=_(
            "Needed in the UK, Jersey, Guernsey and the Isle of Man. Elsewhere, the postal "
            "code if there is one."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "class": "input-short"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        required=False,
        help_text=_(
            "A UK mobile, like 07400 123456, or a number with its country code, like "
            "+33 6 12 34 56 78."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "tel",
                "type": "tel",
                "inputmode": "tel",
                "class": "input-medium",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        from .contact import country_choices

        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Choose the country"))] + country_choices()
        # Needed as soon as any of the address is given (the rule is the service's): not
        # marked "(optional)", which would say the opposite.
        for name in ("address_line_1", "town", "postcode", "country"):
            self.fields[name].hide_optional = True

    def clean(self):
        from .services import contact_details_clean

        cleaned = super().clean()
        clean, problems = contact_details_clean(data=cleaned)
        for name, problem in problems.items():
            if name not in self.errors:
                self.add_error(name, problem)
        if not problems:
            cleaned.update(clean)
        return cleaned
