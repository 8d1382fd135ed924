"""What a ticket's transition does to its alert group: acknowledging the ticket acks the
group, resolving it resolves the group, through the group workflow's own updates.

Sent after the ticket's change has committed, so the ticket's change stands whatever
Temporal does; the outcome (applied or why not) is returned and kept as a ticket event.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client
from temporalio.service import RPCError

from api.services import alert_groups
from sluice.contracts.alert_groups import AckRequest, ByRequest
from sluice.tickets import Action
from store.models import GroupUpdate

# The group updates each ticket action sends.
GROUP_UPDATES: dict[Action, str] = {"ack": "ack", "resolve": "resolve"}
# Longer than any update takes when Temporal is up; a ticket's answer must not hang on it.
UPDATE_TIMEOUT = 10.0


async def update_group(
    client: Client, group_id: str, action: Action, actor: str, *, wait: float = UPDATE_TIMEOUT
) -> GroupUpdate | None:
    """Apply `action`'s group update; None if the action has none. Never raises for Temporal
    being away or the group's workflow refusing: the reason is in the result."""
    update = GROUP_UPDATES.get(action)
    if update is None:
        return None
    arg = AckRequest(actor, None) if update == "ack" else ByRequest(actor)
    try:
        async with asyncio.timeout(wait):
            state = await alert_groups.decide(client, group_id, update, arg)
    except alert_groups.DecisionRefused as exc:
        return GroupUpdate(update=update, applied=False, reason=f"refused: {exc}")
    except RPCError as exc:
        return GroupUpdate(update=update, applied=False, reason=f"Temporal: {exc.message}")
    except TimeoutError:
        reason = f"Temporal did not answer within {wait:g} s"
        return GroupUpdate(update=update, applied=False, reason=reason)
    except RuntimeError as exc:  # the lazy client's first connection failed
        if not str(exc).startswith("Failed client connect"):
            raise
        return GroupUpdate(update=update, applied=False, reason=f"Temporal is unreachable: {exc}")
    return GroupUpdate(update=update, applied=True, acked_by=state.acked_by, firing=state.firing)
