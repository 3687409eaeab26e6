"""The one object both faces build: settings, the journal, the operator.

pre-commit's `Store` is the model: the CLI and the console make one `Workspace` and
hand it to the use cases; neither opens a journal or an operator client by itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from quotabulk.config import ENV_API_URL, Settings
from quotabulk.domain import messages as said
from quotabulk.domain.errors import AccessDenied, ConfigError
from quotabulk.domain.messages import SANDBOX_TARGET, Text
from quotabulk.operator.connect import ConnectOptions, connect, load_dialect
from quotabulk.operator.port import Operator
from quotabulk.store.home import exposure
from quotabulk.store.journal import Journal


@dataclass(frozen=True)
class Workspace:
    settings: Settings

    def journal(self) -> Journal:
        """The journal, migrated; use it as a context manager."""
        return Journal(self.settings.journal_path)

    def exposure(self) -> list[str]:
        """What of the home other users of the machine may read or write (and the fix)."""
        return exposure(self.settings.home)

    def refuse_if_exposed(self) -> None:
        """Four eyes rest on the journal: whoever may write it may write an approval."""
        found = self.exposure()
        if found:
            raise AccessDenied(said.HOME_NOT_PRIVATE(found=found[0]))

    def target_notice(self) -> Text | None:
        """What a face tells the user when the target is the embedded sandbox."""
        if not self.settings.embedded:
            return None
        return SANDBOX_TARGET(path=str(self.settings.sandbox_db), variable=ENV_API_URL)

    def load_operator(self) -> None:
        """Import what talking to the operator needs, on the calling thread: two threads
        importing one package for the first time can see each other's modules half made."""
        load_dialect(self.settings.dialect)
        if self.settings.embedded:
            import quotabulk.sandbox.embedded  # noqa: F401

    @asynccontextmanager
    async def operator(
        self, account: str | None, options: ConnectOptions | None = None
    ) -> AsyncIterator[Operator]:
        """The configured operator; with no URL, the embedded sandbox in-process."""
        options = options or ConnectOptions()
        if self.settings.embedded:
            from quotabulk.sandbox.embedded import EMBEDDED_URL, embedded_transport

            transport = embedded_transport(self.settings)
            options = replace(options, transport=transport, base_url=EMBEDDED_URL)
        try:
            async with connect(self.settings.operator_config(account), options) as operator:
                yield operator
        except ConfigError as exc:
            if self.settings.embedded and "has no account" in exc.message:
                raise ConfigError(said.NO_SANDBOX_ACCOUNT(account=str(account))) from None
            raise
