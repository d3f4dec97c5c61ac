"""The log redaction installed at every process's edge (issue 24, item 3): unit tests of the
rule (where it fires and where it must not); tests/server/test_log_secrets.py runs it in real
serve and worker processes."""

from __future__ import annotations

import logging

import pytest

from sokrat._redact import LogRedactor, install_log_redaction
from sokrat.settings import Settings


def _format(record: logging.LogRecord) -> str:
    return logging.Formatter("%(message)s").format(record)


def _record(msg: object, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, msg, args or None, None)


class _Url:  # like httpx.URL: formatted with %s, not a str
    def __str__(self) -> str:
        return "http://agent:pa55word@llm.internal:8080/v1/chat/completions"


def test_credentials_are_scrubbed_in_messages_args_and_tracebacks() -> None:
    r = LogRedactor(["sk-configured-secret"])
    record = _record('HTTP Request: %s %s "%s %d %s"', "POST", _Url(), "HTTP/1.1", 200, "OK")
    r.filter(record)
    line = _format(record)
    assert "pa55word" not in line and "http://agent:***@llm.internal:8080/v1" in line
    assert len(record.args) == 5 and record.args[3] == 200  # arity and numbers kept (uvicorn's access formatter)
    record = _record("calling with Authorization: Bearer sk-abcdef123456 and key %s", "sk-configured-secret")
    r.filter(record)
    assert _format(record) == "calling with Authorization: Bearer *** and key ***"
    try:
        raise ConnectionError("cannot reach redis://:hunter22@10.0.0.5:6379/0")
    except ConnectionError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    r.filter(record)
    assert "hunter22" not in logging.Formatter().format(record) and ":***@10.0.0.5" in record.exc_text


@pytest.mark.parametrize("text", [
    "GET http://127.0.0.1:8000/v1/tasks 200",  # a URL without credentials
    "mail alice@example.com about https://example.com/a@b",  # an @ outside userinfo
    "the bearer of bad news",  # the word, not a token
    "ratio 3:4 at 12:30",
])
def test_text_without_credentials_is_left_alone(text: str) -> None:
    record = _record(text)
    LogRedactor(["abc"]).filter(record)  # a 3-character "secret" is too short to scrub
    assert _format(record) == text


def test_installed_factory_scrubs_every_logger(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(llm_base_url="http://u:llm-pw-4411@h/v1", api_keys=["k-plain-secret-1"])
    before = logging.getLogRecordFactory()
    try:
        install_log_redaction(settings)
        with caplog.at_level(logging.INFO):
            logging.getLogger("some.third.party").info("url %s key %s", settings.llm_base_url, "k-plain-secret-1")
        assert "llm-pw-4411" not in caplog.text and "k-plain-secret-1" not in caplog.text
        assert "http://u:***@h/v1" in caplog.text
    finally:
        logging.setLogRecordFactory(before)
        import sokrat._redact as mod

        mod._installed.clear()
