"""The local stack refuses a taken port before it touches any state."""

import socket

import pytest

from scripts.stack import LocalStack, StackError


def test_a_taken_port_fails_clearly_and_keeps_the_existing_state(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "credentials.json").write_text("{}")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        stack = LocalStack(
            state=state, ports={"auth_server": taken, "inventory_service": 1, "order_service": 2}
        )
        with pytest.raises(StackError, match=f"port\\(s\\) {taken} already in use"):
            stack.bootstrap()
    assert (state / "credentials.json").read_text() == "{}"
