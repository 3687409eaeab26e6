"""Maker–checker: users, approvals bound to a plan's digest, the four-eyes policy.

A digest anyone can recompute proves nothing by itself; what proves a plan was
approved is the journal's append-only record that a maker submitted that digest and a
checker — another person — approved it. `--require-approval`, the home's four-eyes
policy and the console's `--four-eyes` all ask `require_approval` the same question.
"""

from __future__ import annotations

import getpass
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quotabulk.app.passwords import check_password, hash_password
from quotabulk.app.workspace import Workspace
from quotabulk.domain import messages as said
from quotabulk.domain.errors import AccessDenied, DecisionTaken, UsageError
from quotabulk.domain.people import (
    AuditRecord,
    Event,
    Role,
    Submission,
    SubmissionState,
    User,
)
from quotabulk.store.people import People

__all__ = [  # the domain's words for people, for the faces that speak of them
    "AuditRecord",
    "Event",
    "Role",
    "Submission",
    "SubmissionState",
    "User",
]

FOUR_EYES = "four-eyes"
_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Credentials:
    """Who claims to act, and the password that proves it."""

    name: str
    password: str

    def __repr__(self) -> str:  # never the password
        return f"Credentials({self.name!r})"


def os_user() -> str:
    """Who started a CLI run without `--as`, for the audit trail."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return "os:unknown"


def authenticate(people: People, who: Credentials, *roles: Role) -> User:
    """The user, when the password is right, the account enabled and the role one of
    `roles` (any role when none is given)."""
    user = people.user(who.name)
    if user is None or user.disabled or not check_password(who.password, user.password_hash):
        raise AccessDenied(said.WRONG_PASSWORD(name=repr(who.name)))
    if roles and user.role not in roles:
        wanted = " or ".join(role.value for role in roles)
        raise AccessDenied(said.WRONG_ROLE(name=who.name, role=user.role.value, wanted=wanted))
    return user


def _check_new(name: str, password: str) -> None:
    if not _NAME.fullmatch(name):
        raise UsageError(said.BAD_USER_NAME(name=repr(name)))
    if len(password) < MIN_PASSWORD:
        raise UsageError(said.SHORT_PASSWORD(count=MIN_PASSWORD))


def add_user(
    workspace: Workspace, name: str, role: Role, password: str, admin: Credentials | None
) -> None:
    """The first user of a home must be an admin; after that only an admin adds users."""
    _check_new(name, password)
    with workspace.journal() as journal:
        people = People(journal)
        if admin is None:
            if people.users():
                raise AccessDenied(said.ADMIN_ADDS_USERS())
            if role is not Role.ADMIN:
                raise AccessDenied(said.FIRST_IS_ADMIN())
            by = name
        else:
            by = authenticate(people, admin, Role.ADMIN).name
        if people.user(name) is not None:
            raise UsageError(said.USER_EXISTS(name=name))
        twin = next((u.name for u in people.users() if looks_alike(u.name, name)), None)
        if twin is not None:
            raise UsageError(said.USER_LOOKALIKE(name=name, twin=twin))
        people.add_user(name, role, hash_password(password), by)


def unlock_user(workspace: Workspace, name: str, admin: Credentials) -> int:
    """Lift a sign-in lockout of `name` (from every address); how many failures it held."""
    with workspace.journal() as journal:
        people = People(journal)
        return people.unlock(name, _admin_on(people, admin, name))


# Letters of Cyrillic and Greek that are drawn like Latin ones (Unicode's confusables for
# these alphabets, the part that matters for names typed on a Russian keyboard): a name
# is compared by its skeleton, so «аnna» with a Cyrillic «а» is not a second «anna».
_SAME_SHAPE = str.maketrans(
    "аеорсухкмтнвіјѕԁӏьαβεικνορτυχ0",
    "aeopcyxkmthbijsdlbabeikvoptuxo",
)


def skeleton(name: str) -> str:
    """What a name looks like, whatever alphabet its letters come from."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("ё", "е")
    return folded.translate(_SAME_SHAPE).replace("rn", "m").replace("1", "l")


def looks_alike(one: str, other: str) -> bool:
    return one != other and skeleton(one) == skeleton(other)


def _admin_on(people: People, admin: Credentials, name: str) -> str:
    """The admin's name, once their password is right and the user `name` exists."""
    by = authenticate(people, admin, Role.ADMIN).name
    if people.user(name) is None:
        raise UsageError(said.NO_SUCH_USER(name=name))
    return by


def disable_user(workspace: Workspace, name: str, admin: Credentials) -> None:
    with workspace.journal() as journal:
        people = People(journal)
        by = _admin_on(people, admin, name)
        if name == by:
            raise UsageError(said.NO_SELF_DISABLE())
        people.disable_user(name, by)


def change_password(
    workspace: Workspace, name: str, new_password: str, acting: Credentials
) -> None:
    """A user changes their own password, or an admin sets anyone's."""
    _check_new(name, new_password)
    with workspace.journal() as journal:
        people = People(journal)
        if acting.name == name:
            by = authenticate(people, acting).name
        else:
            by = authenticate(people, acting, Role.ADMIN).name
        if people.user(name) is None:
            raise UsageError(said.NO_SUCH_USER(name=name))
        people.set_password(name, hash_password(new_password), by)


def set_policy(workspace: Workspace, name: str, on: bool, admin: Credentials) -> None:
    if name != FOUR_EYES:
        raise UsageError(said.UNKNOWN_POLICY(name=repr(name), known=FOUR_EYES))
    with workspace.journal() as journal:
        people = People(journal)
        by = authenticate(people, admin, Role.ADMIN).name
        people.set_policy(name, "on" if on else "off", by)


def four_eyes_required(workspace: Workspace) -> bool:
    """The home's policy: every apply, reconcile and console run needs an approval."""
    with workspace.journal() as journal:
        return People(journal).policy(FOUR_EYES) == "on"


def file_digests(paths: Sequence[Path], names: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The inputs as the audit shows them: the name the user knows, and its SHA-256."""
    shown = names or [path.name for path in paths]
    return [
        {"file": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path, name in zip(paths, shown, strict=True)
    ]


def submission_detail(
    files: Sequence[Path],
    names: Sequence[str],
    account: str,
    operator: str,
    summary: Any,
    schedule: str | None = None,
) -> dict[str, Any]:
    """What the audit keeps about a submitted plan besides its digest: the files (by the
    names their users know, with their SHA-256), the account, the operator, the counts,
    and with periods the schedule it is one day of."""
    return {
        "files": file_digests(files, names),
        "account": account,
        "operator": operator,
        "summary": summary,
        **({"schedule": schedule} if schedule else {}),
    }


def submit_plan(
    workspace: Workspace, digest: str, maker: Credentials, detail: dict[str, Any]
) -> str:
    """Record that `maker` prepared the plan with this digest; returns the maker's name."""
    with workspace.journal() as journal:
        people = People(journal)
        name = authenticate(people, maker, Role.MAKER).name
        people.submit(digest, name, detail)
        return name


def submitted_by(workspace: Workspace, digest: str) -> Submission | None:
    """The latest submission of this plan, if any."""
    with workspace.journal() as journal:
        found = People(journal).submissions(digest)
    return found[-1] if found else None


def submission_of(workspace: Workspace, number: int) -> Submission | None:
    with workspace.journal() as journal:
        return People(journal).submission(number)


def access_of(workspace: Workspace) -> tuple[bool, bool]:
    """Whether named users exist and whether four eyes is on: what every console page
    shows, read with one opening of the journal."""
    with workspace.journal() as journal:
        people = People(journal)
        return bool(people.users()), people.policy(FOUR_EYES) == "on"


def has_users(workspace: Workspace) -> bool:
    """Named users exist: the console signs in by name, not with the single password."""
    with workspace.journal() as journal:
        return bool(People(journal).users())


def signed_in_user(workspace: Workspace, name: str, revision: int | None = None) -> User | None:
    """The user a console session names, as the journal knows them now: a disabled user's
    session, or one opened before the password changed (`revision`), is nobody's."""
    with workspace.journal() as journal:
        user = People(journal).user(name)
    if user is None or user.disabled:
        return None
    if revision is not None and user.revision != revision:
        return None
    return user


def user_now(workspace: Workspace, name: str) -> User | None:
    """The user as the journal knows them now (disabled ones too)."""
    with workspace.journal() as journal:
        return People(journal).user(name)


def check_password_of(workspace: Workspace, who: Credentials) -> User:
    with workspace.journal() as journal:
        return authenticate(People(journal), who)


def trail_of(workspace: Workspace, digest: str) -> list[AuditRecord]:
    with workspace.journal() as journal:
        return People(journal).trail(digest)


@dataclass(frozen=True)
class Waiting:
    """A submission waiting for a checker, with what its maker's record says of it."""

    submission: Submission
    detail: dict[str, Any]


def pending_plans(workspace: Workspace) -> list[Waiting]:
    """Submitted plans awaiting a checker, newest first."""
    with workspace.journal() as journal:
        people = People(journal)
        return [Waiting(s, people.submission_detail(s.id)) for s in people.pending()]


def submit_signed_in(
    workspace: Workspace, digest: str, name: str, detail: dict[str, Any]
) -> Submission:
    """A maker signed in to the console submits a plan they reviewed."""
    with workspace.journal() as journal:
        people = People(journal)
        _acting(people, name, Role.MAKER)
        return people.submit(digest, name, detail)


def decide_signed_in(
    workspace: Workspace,
    digest: str,
    name: str,
    *,
    approve: bool,
    comment: str = "",
    submission: int | None = None,
) -> Submission:
    """A checker signed in to the console approves or declines one submission; never
    their own, and never one decided already (`DecisionTaken`)."""
    with workspace.journal() as journal:
        people = People(journal)
        checker = _acting(people, name, Role.CHECKER).name
        return _decide(people, digest, checker, approve, comment, submission)


def _acting(people: People, name: str, role: Role) -> User:
    user = people.user(name)
    if user is None or user.disabled:
        raise AccessDenied(said.NO_LONGER_SIGNS_IN(name=name))
    if user.role is not role:
        raise AccessDenied(said.WRONG_ROLE(name=name, role=user.role.value, wanted=role.value))
    return user


def decide(
    workspace: Workspace,
    digest: str,
    checker: Credentials,
    *,
    approve: bool,
    comment: str = "",
) -> str:
    """A checker approves or declines the plan's waiting submission; never their own."""
    with workspace.journal() as journal:
        people = People(journal)
        name = authenticate(people, checker, Role.CHECKER).name
        _decide(people, digest, name, approve, comment, None)
        return name


def _decide(
    people: People, digest: str, name: str, approve: bool, comment: str, number: int | None
) -> Submission:
    """Decide submission `number` (the plan's newest waiting one when None). Whoever comes
    second — another checker, an old tab, a replayed form — gets `DecisionTaken`."""
    submissions = people.submissions(digest)
    if not submissions:
        raise AccessDenied(said.NOT_SUBMITTED(digest=digest[:12]))
    if any(s.maker == name for s in submissions):
        raise AccessDenied(said.OWN_PLAN(name=name))
    if number is None:
        waiting = [s for s in submissions if s.state is SubmissionState.PENDING]
        target = waiting[-1] if waiting else submissions[-1]
    else:
        found = [s for s in submissions if s.id == number]
        if not found:
            raise AccessDenied(said.NO_SUCH_SUBMISSION(digest=digest[:12], number=number))
        target = found[0]
    state = SubmissionState.APPROVED if approve else SubmissionState.DECLINED
    decided = people.decide(target.id, name, state, comment)
    if decided is None:
        raise _taken(people.submission(target.id) or target)
    return decided


def _taken(submission: Submission) -> DecisionTaken:
    verb = "approved" if submission.state is SubmissionState.APPROVED else "declined"
    return DecisionTaken(
        f"plan {submission.digest[:12]} was already {verb} by {submission.decided_by} at "
        f"{submission.decided_at}; that decision stands (a declined plan is submitted anew)",
        submission.state.value,
        submission.decided_by,
        submission.decided_at,
    )


@dataclass(frozen=True)
class Approval:
    maker: str
    checker: str
    approved_at: str


def approval_of(people: People, digest: str) -> Approval | None:
    """The approval that lets this plan run: its most recently decided submission was
    approved by a checker who is not its maker. A decline of a later submission stands
    over an earlier approval."""
    return _last_decision(people, people.submissions(digest))


def _last_decision(people: People, submissions: Sequence[Submission]) -> Approval | None:
    decided = [s for s in submissions if s.state is not SubmissionState.PENDING]
    if not decided:
        return None
    last = max(decided, key=lambda s: (s.decided_at or "", s.id))
    if last.state is not SubmissionState.APPROVED or last.decided_by in (None, last.maker):
        return None
    checker = people.user(last.decided_by or "")
    if checker is None or checker.role is not Role.CHECKER:
        return None
    return Approval(last.maker, checker.name, last.decided_at or "")


def record_refusal(
    workspace: Workspace, digest: str | None, run_id: str | None, user: str, reason: str
) -> None:
    """The audit's record that a start or resume was stopped by the approval gate."""
    with workspace.journal() as journal:
        People(journal).record(Event.RUN_REFUSED, user, digest or "", run_id, {"reason": reason})


def require_approval(workspace: Workspace, digest: str, schedule: str | None = None) -> Approval:
    """Refuse (exit 1, nothing sent) a plan without a valid approval by a second person.
    A plan of periods (`schedule`) runs also when a plan of the same schedule — the same
    files, another day — was approved: what the checker approved is the desired state on
    every day the files define, so each night sends its day's changes without another."""
    with workspace.journal() as journal:
        people = People(journal)
        # One account's run of a plan over several is approved with the whole plan; the
        # latest decision about this plan or any whole it is part of counts.
        found = _last_decision(people, _with_wholes(people, digest))
        if found is None and schedule is not None:
            # The schedule's latest decision counts, whichever day's plan it was about: a
            # checker who declines one day's plan of these files has declined them.
            days = [s for d in people.digests_of_schedule(schedule) for s in people.submissions(d)]
            days += [s for d in people.digests_containing(schedule) for s in people.submissions(d)]
            found = _last_decision(people, days)
    if found is None:
        raise AccessDenied(said.NOT_APPROVED(digest=digest[:12]))
    return found


def _with_wholes(people: People, digest: str) -> list[Submission]:
    """The submissions of a plan, and of every plan over several accounts it is part of."""
    wholes = people.digests_containing(digest)
    return [*people.submissions(digest), *(s for d in wholes for s in people.submissions(d))]
