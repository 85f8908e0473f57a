"""Every page each journey checks, by journey. test_zz_page_checks.py makes one check per
page (and mode) from this list, so that a single known problem can be marked as an expected
failure; `check_page` refuses a page that is not declared here.

Names starting with "admin-" are Django admin pages: what axe and the Nu checker find there
is Django's own markup and is reported (terminal summary, test-artifacts/browser-report.json),
not failed.
"""

# journey -> (modes it runs in, pages in the order it visits them)
JOURNEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # 1, 8 and 9: join, verify, log in, dashboard (mouse, keyboard only, phone).
    "j1-join": (
        ("mouse", "keyboard", "phone"),
        (
            "home",
            "join",
            "join-errors",
            "join-password-errors",
            "join-confirm",
            "check-email",
            "confirm-email",
            "dashboard",
        ),
    ),
    # 2: a member sets up TOTP, logs out and in again with a code.
    "j2-mfa": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard",
            "security",
            "reauthenticate",
            "totp-activate",
            "totp-activated",
            "again-login",
            "again-login-code",
            "again-dashboard",
        ),
    ),
    # 2: a member resets a forgotten password from the email the portal sends.
    "j2-reset": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "reset",
            "reset-sent",
            "reset-key",
            "reset-done",
            "new-login",
            "dashboard",
        ),
    ),
    # 3, 8 and 9: a member asks for help with a file; an officer of the region finds it in
    # the admin queue and replies; the member answers; the officer closes it with an outcome.
    "j3-case": (
        ("mouse", "keyboard", "phone"),
        (
            "member-login",
            "member-dashboard",
            "cases-empty",
            "ask",
            "ask-errors",
            "ask-sent",
            "case-new",
            "officer-login",
            "officer-login-code",
            "admin-index",
            "admin-queue",
            "admin-queue-unassigned",
            "admin-search",
            "admin-case",
            "admin-case-replied",
            "cases-waiting",
            "case-with-reply",
            "case-answered",
            "admin-case-answered",
            "admin-case-closed",
            "case-closed",
        ),
    ),
    # 4: a caseworker of another region tries every route a browser offers to a case.
    "j4-other-region": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-index",
            "admin-queue",
            "admin-search-own-region",
            "admin-search",
            "case-url-404",
            "case-history-404",
            "case-bundle-404",
            "case-file-404",
            "member-case-404",
            "member-file-404",
        ),
    ),
    # 5: a publisher starts a new edition of a standards document in the admin and submits
    # it; a second publisher compares and approves it; a visitor reads it, downloads its
    # PDF and finds the previous edition marked superseded.
    "j5-standards": (
        ("mouse", "keyboard", "phone"),
        (
            "publisher-login",
            "publisher-login-code",
            "admin-index",
            "admin-documents",
            "admin-document",
            "admin-new-edition",
            "admin-edition-draft",
            "admin-edition-saved",
            "admin-submit",
            "admin-edition-in-review",
            "approver-login",
            "approver-login-code",
            "admin-editions-in-review",
            "admin-edition-to-approve",
            "admin-diff",
            "admin-approve",
            "admin-edition-published",
            "standards-list",
            "standard",
            "standard-superseded",
        ),
    ),
    # 6: a member answers a consultation partly and saves a draft, comes back later,
    # finishes and submits; a publisher reads the results in the admin.
    "j6-consultation": (
        ("mouse", "keyboard", "phone"),
        (
            "member-login",
            "member-dashboard",
            "consultations",
            "consultation",
            "consultation-draft-saved",
            "again-login",
            "again-dashboard",
            "consultation-draft",
            "consultation-errors",
            "consultation-submitted",
            "publisher-login",
            "publisher-login-code",
            "admin-index",
            "admin-consultations",
            "admin-results",
            "admin-text-answers",
            "admin-tags-refused",
            "admin-tags-saved",
            "admin-text-answers-funding",
        ),
    ),
    # 7: a communications officer composes a newsletter, a second approves and sends it; a
    # member receives it (a real SMTP server) and unsubscribes with one click; the next
    # newsletter does not reach them.
    "j7-newsletter": (
        ("mouse", "keyboard", "phone"),
        (
            "author-login",
            "author-login-code",
            "admin-index",
            "admin-communications",
            "admin-compose",
            "admin-draft",
            "admin-submitted",
            "approver-login",
            "approver-login-code",
            "admin-awaiting-approval",
            "admin-to-approve",
            "admin-approved",
            "admin-send-confirm",
            "admin-sending",
            "admin-sent",
            "unsubscribe",
            "unsubscribed",
        ),
    ),
    # Issue 17 (ballots): an officer writes an indicative ballot in the admin and a second
    # approves it, which opens it; a member votes once (a second vote from another tab is
    # refused), reads the result after the close and finds their receipt; a rep proposes a
    # ballot for their workplace.
    "j22-ballot": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-index",
            "admin-ballots",
            "admin-ballot-add",
            "admin-ballot-saved",
            "approver-login",
            "approver-login-code",
            "admin-ballots-to-approve",
            "admin-ballot-approved",
            "member-login",
            "ballots",
            "ballot",
            "again-login",
            "ballot-voted",
            "ballot-second-vote",
            "ballot-results",
            "ballot-receipts",
            "ballot-receipt-found",
            "rep-login",
            "rep-ballots",
            "rep-propose",
            "rep-propose-errors",
            "rep-proposed",
        ),
    ),
    # 3 (the officer's side, issue 21): from their work on the admin home to a case with a
    # member's reply; a saved reply chosen in the browser; a reply and an internal note, each
    # with a file; a refused close (nothing saved, focus on the field); the member sees the
    # reply's file only.
    "j8-case-screen": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-index",
            "admin-queue-replied",
            "admin-case",
            "admin-case-refused",
            "admin-case-saved",
            "member-login",
            "case-closed",
        ),
    ),
    # Issue 16 §3: a caseworker enters a dismissal on a case and sees its tribunal limit,
    # sets a follow-up, finds both on the queue and on their deadlines page.
    "j18-deadlines": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-case-deadlines",
            "admin-case-limit-saved",
            "admin-case-follow-up-saved",
            "admin-queue-tribunal",
            "admin-deadlines",
            "admin-deadlines-feed",
        ),
    ),
    # Issue 16 §4: an officer makes a restructure case collective and adds five members; one
    # of them consents on the member site and sees the group's update, never another
    # member's message.
    # Issue 17: a member volunteers as rep, the region confirms (admin, by mouse), the rep
    # sees their members and shares the invite link, a colleague joins through it, and a
    # member reads who looked at their membership.
    "j22-reps": (
        ("mouse",),
        (
            "member-login",
            "member-dashboard",
            "volunteer",
            "volunteer-errors",
            "volunteered",
            "officer-login",
            "officer-login-code",
            "admin-reprole",
            "admin-reprole-saved",
            "rep-dashboard",
            "rep-members",
            "rep-density",
            "rep-density-saved",
            "rep-member",
            "rep-invite",
            "rep-issue",
            "rep-issue-sent",
            "rep-message",
            "rep-message-errors",
            "rep-message-sent",
            "join-invite",
            "join-invite-confirm",
            "join-invite-sent",
            "colleague-login",
            "colleague-dashboard",
            "who-looked",
        ),
    ),
    # The same by keyboard only and on a phone; the region confirms outside the browser.
    "j22-reps-access": (
        ("keyboard", "phone"),
        (
            "member-login",
            "member-dashboard",
            "volunteer",
            "volunteer-errors",
            "volunteered",
            "rep-dashboard",
            "rep-members",
            "rep-density",
            "rep-density-saved",
            "rep-member",
            "rep-invite",
            "rep-issue",
            "rep-issue-sent",
            "rep-message",
            "rep-message-errors",
            "rep-message-sent",
            "join-invite",
            "join-invite-confirm",
            "join-invite-sent",
            "colleague-login",
            "colleague-dashboard",
            "who-looked",
        ),
    ),
    "j19-collective": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-case",
            "admin-collective",
            "admin-collective-made",
            "admin-collective-members",
            "admin-case-collective",
            "admin-case-sent",
            "member-login",
            "join",
            "case-joined",
        ),
    ),
    # the manager opens the service reports.
    "j21-complaints-reports": (
        ("mouse", "keyboard", "phone"),
        (
            "member-login",
            "case",
            "case-complained",
            "manager-login",
            "manager-login-code",
            "admin-complaints",
            "admin-complaint",
            "admin-complaint-taken",
            "admin-complaint-answered",
            "admin-complaint-closed",
            "case-complaint-answered",
            "admin-reports",
            "admin-reports-bad-month",
        ),
    ),
    # 16: an officer takes a phone call and opens a case for the member; the member finds it
    # on their case page.
    "j16-intake": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-intake-search",
            "admin-intake-results",
            "admin-intake-form",
            "admin-intake-refused",
            "admin-intake-opened",
            "member-login",
            "member-cases",
            "member-case",
        ),
    ),
    # 16: an officer corrects the hearing date and the case turns urgent in the queue.
    "j16-hearing": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-case",
            "admin-case-corrected",
            "admin-queue",
        ),
    ),
    # 8: a member changes job role on their details: the new fee (and from when) is shown
    # before it is saved; the phone menu is one row with a menu button.
    "j8-details": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard",
            "profile",
            "profile-confirm",
            "profile-back",
            "profile-confirm-again",
            "dashboard-new-fee",
        ),
    ),
    # 11: life events and leaving. Maternity leave waives the fee for its dates; going part
    # time shows the pro-rata rate; resigning, then rejoining with the same number; the
    # membership officer approves a student's reduced rate.
    "j11-leave": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "subscription",
            "changes",
            "leave",
            "leave-errors",
            "leave-confirm",
            "subscription-on-leave",
        ),
    ),
    # 12, the member's Direct Debit: a new member joins and is led from the dashboard to
    # set up a Direct Debit (a sort code no bank uses refused first, nothing saved); a member
    # changes bank details (the old mandate replaced).
    # Issue 18, events: a Leadership member books the Leadership conference (the demo
    # member does not see it); a member joins a full course's waiting list, another cancels,
    # the first takes the place offered; the organiser takes the register (made for a phone).
    "events-book": (
        ("mouse", "keyboard", "phone"),
        ("login", "events", "event", "event-booked", "member-login", "member-events"),
    ),
    "events-waiting": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "event-full",
            "event-waiting",
            "holder-login",
            "holder-event",
            "holder-cancelled",
            "event-offered",
            "event-accepted",
        ),
    ),
    "events-register": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-register",
            "admin-register-marked",
        ),
    ),
    "j12-join-dd": (
        ("mouse", "keyboard", "phone"),
        (
            "join",
            "join-confirm",
            "check-email",
            "confirm-email",
            "dashboard",
            "direct-debit",
            "direct-debit-errors",
            "subscription",
        ),
    ),
    "j12-change-bank": (
        ("mouse", "keyboard", "phone"),
        ("login", "subscription", "change-bank", "change-bank-errors", "subscription-changed"),
    ),
    "j11-part-time": (
        ("mouse", "keyboard", "phone"),
        ("login", "hours", "hours-confirm", "subscription-part-time"),
    ),
    "j11-resign": (
        ("mouse", "keyboard", "phone"),
        ("login", "dashboard", "resign", "resign-errors", "resigned", "rejoin", "rejoined"),
    ),
    # 15: payroll deduction. A member chooses to pay through their salary (a bad payroll
    # number refused first, nothing saved) and sees the arrangement.
    "j15-payroll": (
        ("mouse", "keyboard", "phone"),
        ("login", "payroll", "payroll-errors", "payroll-chosen"),
    ),
    "j11-officer": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "login-code",
            "admin-membership",
            "admin-reductions",
            "admin-reduction",
            "admin-reduction-approved",
            "member-login",
            "member-subscription",
        ),
    ),
    # Issue 14, the member's own record: a home address added (bad postcodes, a UK address
    # without one and a bad mobile refused first, nothing saved), the dashboard's notice
    # gone; the membership card and its PDF; the data download, after re-authentication.
    "j9-record": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard-no-address",
            "contact",
            "contact-errors",
            "contact-errors-again",
            "dashboard-saved",
            "card",
            "data-export",
            "data-export-ready",
            "reauthenticate",
            "data-export-done",
        ),
    ),
    # 13: arrears and leaving. The member sees what they owe and pays it by card (the demo
    # provider, marked as such; a bad amount refused first), then resigns and sees the final
    # collection.
    "j13-arrears": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "subscription-arrears",
            "pay",
            "pay-errors",
            "pay-confirm",
            "paid",
            "resign",
            "resigned",
        ),
    ),
    # Subscriptions through the Bacs bureau: the membership officer uploads the bureau's
    # ARUDD report (a malformed one refused first, with its line), sees the result and the
    # arrears queue; the member sees what is owed on /me/subscription/ and pays it by card.
    "j14-bureau": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "login-code",
            "admin-bacs-files",
            "admin-report-upload",
            "admin-report-upload-errors",
            "admin-report-imported",
            "admin-arrears",
            "member-login",
            "member-subscription",
            "member-pay",
            "member-pay-confirm",
            "member-paid",
        ),
    ),
    # Issue 16 §6: an officer writes a letter from the "invitation to a meeting" template,
    # edits it, files it, and sees it on the case's timeline and in its Letters panel.
    "j20-letters": (
        ("mouse", "keyboard", "phone"),
        (
            "officer-login",
            "officer-login-code",
            "admin-case",
            "admin-letter",
            "admin-letter-preview",
            "admin-case-letter-filed",
            "member-login",
        ),
    ),
    # Issue 18, CPD: the member sees the hours of the course they attended, downloads its
    # certificate and the record PDF, adds an entry (bad hours refused first).
    "j22-cpd": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard",
            "cpd-record",
            "cpd-new",
            "cpd-new-errors",
            "cpd-record-added",
        ),
    ),
    # Issue 18, conferences: a branch submits a motion (an empty one refused first); the
    # standing orders committee rules it out of order, a reason required; the branch reads
    # it, and the agenda shows only what was accepted or composited.
    "j23-motions": (
        ("mouse", "keyboard", "phone"),
        (
            "member-login",
            "conference",
            "motions",
            "motions-errors",
            "motions-submitted",
            "motions-ruled",
            "agenda",
        ),
    ),
    # The committee's part of j23, in the admin (the same way as the member goes).
    "j23-committee": (
        ("mouse", "keyboard", "phone"),
        (
            "committee-login",
            "committee-login-code",
            "admin-motions",
            "admin-motion",
            "admin-motion-no-reason",
            "admin-motions-ruled",
        ),
    ),
    # 24: the portal in Welsh: a visitor joins from /cy/; a Welsh-speaking member in Wales
    # asks for help, answers a consultation and sets her language (mouse, keyboard only,
    # phone).
    "j24-cymraeg-join": (
        ("mouse", "keyboard", "phone"),
        (
            "home",
            "join",
            "join-errors",
            "join-confirm",
            "check-email",
            "confirm-email",
            "dashboard",
        ),
    ),
    "j24-cymraeg-member": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard",
            "ask",
            "ask-errors",
            "ask-sent",
            "consultations",
            "consultation",
            "consultation-submitted",
            "preferences",
            "preferences-saved",
            "preferences-english",
        ),
    ),
    # 20: a member turns on newsletters by post, answers the equality questions and deletes
    # the answers, complains about the handling of a case (an empty complaint held
    # back) and withdraws the case (mouse, keyboard only, phone).
    "j24-member-choices": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "dashboard",
            "preferences",
            "preferences-saved",
            "equality",
            "equality-saved",
            "equality-deleted",
            "case",
            "case-complained",
            "case-withdrawn",
        ),
    ),
    # 20: a member with an authenticator app sees their recovery codes, makes new ones (the
    # old ones stop working) and logs in with one (mouse, keyboard only, phone).
    "j24-recovery-codes": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "login-code",
            "dashboard",
            "security",
            "reauthenticate",
            "recovery-codes",
            "recovery-generate",
            "recovery-codes-new",
            "again-login",
            "again-login-code",
            "again-login-code-refused",
            "again-dashboard",
        ),
    ),
    # 20: a member adds a security key (Chromium's virtual authenticator) and logs in with
    # it instead of a code (mouse, keyboard only, phone).
    "j24-security-key": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "login-code",
            "dashboard",
            "security",
            "reauthenticate",
            "key-add",
            "key-added",
            "security-with-key",
            "key-list",
            "again-login",
            "again-login-code",
            "again-dashboard",
        ),
    ),
    # 20: a casework manager restricts a case to its officer by name, downloads its bundle
    # and the reports' CSV; another caseworker of the region no longer finds it (mouse,
    # keyboard only, phone width).
    "j24-officer-case": (
        ("mouse", "keyboard", "phone"),
        (
            "manager-login",
            "manager-login-code",
            "admin-case",
            "admin-case-restricted",
            "admin-reports",
            "colleague-login",
            "colleague-login-code",
            "admin-case-not-found",
            "admin-queue-without",
            "officer-login",
            "officer-login-code",
            "admin-case-named",
        ),
    ),
    # 20: a communications officer pauses a newsletter that is sending and resumes it; the
    # worker sends nothing while paused, then everyone once (mouse, keyboard only, phone
    # width).
    "j24-pause-send": (
        ("mouse", "keyboard", "phone"),
        (
            "login",
            "login-code",
            "admin-communication-sending",
            "admin-communication-paused",
            "admin-communication-resumed",
            "admin-communication-sent",
        ),
    ),
}

PAGES = {name: pages for name, (_modes, pages) in JOURNEYS.items()}
