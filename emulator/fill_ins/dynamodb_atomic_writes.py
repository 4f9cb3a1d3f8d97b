"""DynamoDB requests run one at a time.

DynamoDB evaluates a ConditionExpression and applies the write atomically: of two
conditional puts that expect the same version, exactly one succeeds and the other
gets ConditionalCheckFailedException
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
moto's threaded server checks and writes without a lock, so two concurrent
requests can both pass the check. The rollout record's optimistic lock depends on
that atomicity, so requests are serialised here, under the emulator's lock.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.responses import DynamoHandler

from .state import EmulatorState


def install(state: EmulatorState) -> None:
    # DynamoHandler has its own call_action (it prepares self.body); wrap that one.
    original = DynamoHandler.call_action

    def call_action(self: DynamoHandler) -> Any:
        with state.lock:
            return original(self)

    DynamoHandler.call_action = call_action
