"""E-mail backends for tests that run a real worker process (whose outbox a test cannot read)."""

from __future__ import annotations

import smtplib
from pathlib import Path

from django.core.mail.backends import filebased, locmem

OUTAGE_MARKER = "server-down"


class OutageFileBackend(filebased.EmailBackend):
    """Django's file backend with a switchable outage: while EMAIL_FILE_PATH/server-down exists,
    sending fails the way an unreachable SMTP server does."""

    def send_messages(self, email_messages) -> int:
        if (Path(self.file_path) / OUTAGE_MARKER).exists():
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(email_messages)


class FlakyLocmemBackend(locmem.EmailBackend):
    """The test outbox, after `failures_left` refusals (set by the test, in this process)."""

    failures_left = 0

    def send_messages(self, email_messages) -> int:
        if FlakyLocmemBackend.failures_left:
            FlakyLocmemBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)
