"""Maker–checker from the command line: `users`, `approve`, `policy`."""

from __future__ import annotations

from pathlib import Path

import click

from quotabulk.app import people
from quotabulk.app.applying import read_saved_plan_parts
from quotabulk.cli.credentials import credentials, read_password
from quotabulk.cli.running import workspace
from quotabulk.cli.speech import _, n_
from quotabulk.domain.errors import EXIT_OK
from quotabulk.domain.people import Role

ROLES = click.Choice([role.value for role in Role])


@click.group("users")
def users_group() -> None:
    """Users of the console and of `--as`, kept in $QUOTABULK_HOME.

    Passwords are asked on the terminal, or read one per line from standard input:
    first the acting admin's (with --as), then the new one."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=ROLES, required=True, help="maker prepares, checker approves")
@click.option("--as", "as_user", metavar="ADMIN", help="the admin adding the user")
def users_add(name: str, role: str, as_user: str | None) -> int:
    """Add a user. The first user of a home is its admin; after that an admin adds users."""
    space = workspace()
    admin = None if as_user is None else credentials(as_user)
    password = read_password(_("New password for {name}").format(name=name), confirm=True)
    people.add_user(space, name, Role(role), password, admin)
    click.echo(_("Added {role} {name}.").format(role=role, name=name))
    return EXIT_OK


@users_group.command("disable")
@click.argument("name")
@click.option("--as", "as_user", metavar="ADMIN", required=True, help="the admin")
def users_disable(name: str, as_user: str) -> int:
    """Disable a user: they can no longer sign in, submit or approve."""
    people.disable_user(workspace(), name, credentials(as_user))
    click.echo(_("Disabled {name}.").format(name=name))
    return EXIT_OK


@users_group.command("passwd")
@click.argument("name")
@click.option("--as", "as_user", metavar="NAME", help="an admin setting another's password")
def users_passwd(name: str, as_user: str | None) -> int:
    """Change a password: your own (the current one is asked), or anyone's as an admin."""
    acting = credentials(as_user or name)
    new = read_password(_("New password for {name}").format(name=name), confirm=True)
    people.change_password(workspace(), name, new, acting)
    click.echo(_("Changed the password of {name}.").format(name=name))
    return EXIT_OK


@users_group.command("unlock")
@click.argument("name")
@click.option("--as", "as_user", metavar="ADMIN", required=True, help="the admin")
def users_unlock(name: str, as_user: str) -> int:
    """Lift a sign-in lockout: the console forgets NAME's failed passwords, from every
    address."""
    failures = people.unlock_user(workspace(), name, credentials(as_user))
    unlocked = n_(
        "Unlocked {name} ({n} failed sign-in forgotten).",
        "Unlocked {name} ({n} failed sign-ins forgotten).",
        failures,
    )
    click.echo(unlocked.format(name=name))
    return EXIT_OK


@click.command("approve")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", metavar="CHECKER", required=True, help="the checker")
@click.option("--decline", is_flag=True, help="decline the plan instead")
@click.option("--comment", default="", help="why, for the audit trail")
def approve_command(plan_file: Path, as_user: str, decline: bool, comment: str) -> int:
    """Approve (or decline) a plan saved by `plan --out --as MAKER`: a checker other than
    its maker. The approval binds to the plan's digest: an edited plan needs a new one."""
    space = workspace()
    # A plan of several accounts is approved once, as a whole: its digest covers each one's.
    saved = read_saved_plan_parts(plan_file)
    whole, parts = saved.digest, saved.parts
    name = people.decide(space, whole, credentials(as_user), approve=not decline, comment=comment)
    decided = (
        _("Declined plan {digest} ({changes} changes on {account}) as {name}.")
        if decline
        else _("Approved plan {digest} ({changes} changes on {account}) as {name}.")
    )
    changes = sum(len(part.plan.changes) for part in parts)
    digest, account = whole[:12], ", ".join(part.account for part in parts)
    click.echo(decided.format(digest=digest, changes=changes, account=account, name=name))
    if any(part.plan.schedule for part in parts) and not decline:
        # What else this approval lets run: said, for a checker approving a digest.
        click.echo(
            _(
                "Its files have periods: this approves their schedule too — each night sends "
                "its day's changes without another approval while the files stay the same "
                "(see them with `quotabulk plan FILE --at DATE`)."
            )
        )
    return EXIT_OK


@click.group("policy")
def policy_group() -> None:
    """Home-wide policies (admin only)."""


@policy_group.command("set")
@click.argument("name", type=click.Choice([people.FOUR_EYES]))
@click.argument("value", type=click.Choice(["on", "off"]))
@click.option("--as", "as_user", metavar="ADMIN", required=True, help="the admin")
def policy_set(name: str, value: str, as_user: str) -> int:
    """`four-eyes on`: every apply, reconcile and console run from this home needs a plan
    submitted by a maker and approved by a checker."""
    people.set_policy(workspace(), name, value == "on", credentials(as_user))
    click.echo(_("Policy {name} is {value}.").format(name=name, value=value))
    return EXIT_OK
