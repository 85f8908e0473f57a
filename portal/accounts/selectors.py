"""Reads about members: who they are, their rep, their consents, employers to pick from."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.db.models.functions import Lower

from .choices import Channel, CommunicationKind, MembershipStatus, Section, consent_default
from .models import ConsentState, Employer, Membership, User, Workplace


def members_matching(queryset: QuerySet, term: str, *, user: str = "") -> QuerySet:
    """Staff's search for a person (users, or memberships through `user`): a whole
    membership number, or up to four words each found in the first name, last name or email
    address. Each is served by an index: the number's own, and the trigram indexes of the
    three columns, combined because they are columns of one table (an OR that also asked
    the membership's number would span two tables, and PostgreSQL would read every member)."""
    term = term.strip()[:100]
    if not term:
        return queryset
    at = f"{user}__" if user else ""
    digits = term.replace(" ", "")
    if digits.isdigit():
        number = "number" if queryset.model is Membership else "membership__number"
        return queryset.filter(**{number: digits})
    for word in term.split()[:4]:
        queryset = queryset.filter(
            Q(**{f"{at}first_name__icontains": word})
            | Q(**{f"{at}last_name__icontains": word})
            | Q(**{f"{at}email__icontains": word})
        )
    return queryset


def user_has_mfa(user: User) -> bool:
    """Whether the account has a second factor (TOTP or a security key) set up."""
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_portal_has_mfa", None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
        user._portal_has_mfa = cached
    return cached


def membership_for(user: User) -> Membership | None:
    """The user's membership, read once per request (cached on the user object)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_portal_membership"):
        user._portal_membership = (
            Membership.objects.select_related("employer", "region").filter(user=user).first()
        )
    return user._portal_membership


def workplace_rep_for(membership: Membership) -> Membership | None:
    """The active rep at the member's employer, their own workplace first, then one at the
    same workplace postcode, then anywhere else at the employer."""
    # One query: a rep at the member's own workplace sorts first.
    return (
        Membership.objects.filter(
            employer_id=membership.employer_id, is_rep=True, status=MembershipStatus.ACTIVE
        )
        .exclude(pk=membership.pk)
        .annotate(
            elsewhere=DbCase(
                When(workplace_id=membership.workplace_id, then=Value(0)),
                When(workplace_postcode=membership.workplace_postcode, then=Value(1)),
                default=Value(2),
            )
        )
        .select_related("user")
        .order_by("elsewhere", "pk")
        .first()
    )


def employers_matching(
    query: str, *, user: User | None = None, limit: int = 20
) -> QuerySet[Employer]:
    """The employers the public search suggests: verified ones only, so that a name someone
    typed when joining is not shown to everyone until an officer has checked it. A member
    also finds their own employer, verified or not."""
    query = "".join(ch for ch in (query or "") if ch.isprintable()).strip()
    if len(query) < 2:
        return Employer.objects.none()
    shown = Q(verified=True)
    membership = membership_for(user) if user is not None else None
    if membership is not None and membership.employer_id:
        shown |= Q(pk=membership.employer_id)
    return (
        Employer.objects.filter(shown)
        .filter(Q(name__icontains=query) | Q(town__icontains=query))
        .order_by("name", "town")[:limit]
    )


def employers_named(label: str, *, own_employer_id: int | None = None) -> list[Employer]:
    """Employers whose name, or "name, town" label, is exactly what a person typed: only
    verified ones (and the person's own), so that what a form answers never says whether
    someone else has joined naming an employer an officer has not checked yet."""
    label = " ".join((label or "").split())
    if not label:
        return []
    named = Employer.objects.annotate(lname=Lower("name"))  # served by the Lower(name) index
    named = named.filter(Q(verified=True) | Q(pk=own_employer_id or 0))
    exact = Q(lname=label.lower())
    if ", " not in label:
        return list(named.filter(exact)[:10])
    # The whole label as a name, or else "name, town": one query, exact names first.
    name, town = label.rsplit(", ", 1)
    matches = list(
        named.annotate(
            ltown=Lower("town"), is_exact=ExpressionWrapper(exact, output_field=BooleanField())
        )
        .filter(exact | Q(lname=name.lower(), ltown=town.lower()))
        .order_by("-is_exact")[:10]
    )
    if matches and matches[0].is_exact:
        return [e for e in matches if e.is_exact]
    return matches


def workplaces_matching(
    query: str, *, employer: Employer, user: User | None = None, limit: int = 20
) -> QuerySet[Workplace]:
    """The workplaces the search suggests for one employer: its verified ones, and the
    member's own (verified or not), so that a site someone typed when joining is not shown
    to everyone until an officer has checked it. An empty query lists the first ones."""
    query = "".join(ch for ch in (query or "") if ch.isprintable()).strip()
    shown = Q(verified=True)
    membership = membership_for(user) if user is not None else None
    if membership is not None and membership.workplace_id:
        shown |= Q(pk=membership.workplace_id)
    found = Workplace.objects.filter(shown, employer=employer)
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(postcode__icontains=query) | Q(town__icontains=query)
        )
    return found.order_by("name", "postcode")[:limit]


def workplaces_named(
    label: str, *, employer_id: int | None, own_workplace_id: int | None = None
) -> tuple[list[Workplace], bool]:
    """Workplaces whose name, or "name, postcode" label from the list, is what a person
    typed, among the employer's verified ones and the person's own; and whether the label
    is that of a verified workplace of another employer (which the form refuses)."""
    label = " ".join((label or "").split())
    if not label:
        return [], False
    shown = Workplace.objects.annotate(lname=Lower("name")).filter(
        Q(verified=True) | Q(pk=own_workplace_id or 0)
    )
    exact = Q(lname=label.lower())
    by_label = Q(pk__in=[])
    if ", " in label:
        name, postcode = label.rsplit(", ", 1)
        by_label = Q(lname=name.lower(), postcode__iexact=postcode)
    candidates = list(shown.filter(exact | by_label).order_by("pk")[:50])
    mine = [w for w in candidates if w.employer_id == employer_id]
    labelled = [w for w in mine if w.label.lower() == label.lower()]
    if labelled:
        return labelled, False
    if mine:
        return mine, False
    elsewhere = any(w.label.lower() == label.lower() for w in candidates)
    return [], elsewhere


def consent_kinds_for(membership: Membership | None) -> list[str]:
    """The kinds a member may be asked about: the journal is for the Leadership section."""
    kinds = [CommunicationKind.CAMPAIGN, CommunicationKind.NEWSLETTER]
    if membership is not None and membership.section == Section.LEADERSHIP:
        kinds.append(CommunicationKind.JOURNAL)
    kinds.append(CommunicationKind.CONSULTATIONS)
    kinds.append(CommunicationKind.REP_CONTACT)
    return kinds


def consent_table(user: User) -> dict[tuple[str, str], ConsentState]:
    return {(c.kind, c.channel): c for c in ConsentState.objects.filter(user=user)}


def has_consent(user: User, kind: str, channel: str = Channel.EMAIL) -> bool:
    """The member's choice, or the kind's default if they never made one."""
    state = ConsentState.objects.filter(user=user, kind=kind, channel=channel).first()
    return consent_default(kind, channel) if state is None else state.granted


def contact_details_for(user: User):
    """The member's contact details, or None (read once per request)."""
    from .models import ContactDetails

    if not user.is_authenticated:
        return None
    if not hasattr(user, "_portal_contact"):
        user._portal_contact = ContactDetails.objects.filter(user=user).first()
    return user._portal_contact


def home_address_missing(user: User, membership: Membership | None) -> bool:
    """A current member (applicant or active) without a home address: statutory ballots on
    industrial action are sent by post to it, so they are told on their dashboard."""
    if membership is None or membership.status not in (
        MembershipStatus.APPLICANT,
        MembershipStatus.ACTIVE,
    ):
        return False
    record = contact_details_for(user)
    return record is None or not record.has_home_address
