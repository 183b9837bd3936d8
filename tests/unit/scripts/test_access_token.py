"""The workshop's token one-liner: the token alone on success, the AS's own error otherwise."""

from __future__ import annotations

import json

from scripts.access_token import main


def test_a_token_answer_prints_only_the_token(capsys):
    assert main(json.dumps({"access_token": "abc", "token_type": "Bearer"})) == 0
    assert capsys.readouterr().out == "abc\n"


def test_a_refusal_prints_the_as_error_and_what_to_check(capsys):
    answer = {"error": "invalid_client", "error_description": "Client authentication failed"}
    assert main(json.dumps(answer)) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert "the AS refused: invalid_client: Client authentication failed" in out.err
    assert "run the eval line again" in out.err and "KeyError" not in out.err


def test_an_answer_that_is_not_json_is_named(capsys):
    assert main("<html>502</html>") == 1
    assert "did not answer JSON" in capsys.readouterr().err
