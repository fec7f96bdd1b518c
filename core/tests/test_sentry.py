"""Errors reach Sentry only with a DSN, and without any secret."""

import sentry_sdk
from sentry_sdk.transport import Transport

from core.sentry import init_sentry


class _Captured(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


def test_without_a_dsn_nothing_is_initialised():
    assert init_sentry(dsn="", environment="test", traces_sample_rate=0.0) is False
    assert not sentry_sdk.get_client().is_active()


def test_an_error_reaches_sentry_without_tokens_passwords_or_jwts():
    transport = _Captured()
    try:
        assert init_sentry(
            dsn="https://public@sentry.invalid/1",
            environment="test",
            traces_sample_rate=0.0,
            transport=transport,
        )

        def charge(card_token, password, authorization):
            raise RuntimeError(f"gateway refused {card_token} for {authorization}")

        # Built at run time: Sentry also sends source lines, and a literal in
        # this test's own source is not what the scrubbing is about.
        password = "-".join(["hunter2", "secret"])
        jwt = ".".join(["eyJ" + "hbGciOi", "eyJ" + "zdWIi", "c2ln"])
        try:
            charge("tok_" + "visa", password, f"Bearer {jwt}")
        except RuntimeError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)

    sent = b"".join(item.get_bytes() for env in transport.envelopes for item in env.items)
    assert b"RuntimeError" in sent  # the error itself was sent
    for secret in (b"tok_visa", b"hunter2-secret", b"eyJhbGciOi.eyJzdWIi.c2ln"):
        assert secret not in sent, secret
