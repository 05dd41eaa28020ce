"""/setup: bind a group chat to a new commune."""

from __future__ import annotations

from domain import names
from domain.errors import Refusal
from domain.model import Member
from handlers.access import Rule, Where, Who
from handlers.commune_checks import check_currency, check_name, check_name_free, check_timezone
from handlers.registry import command
from handlers.turn import Turn


@command("setup", Rule(Who.PLATFORM_ADMIN, Where.GROUP, elsewhere="setup_in_group"))
def setup(turn: Turn, args: list[str]) -> None:
    if len(args) not in (2, 3):
        raise Refusal(
            "usage",
            command="setup",
            example="/setup Terra EUR Europe/Madrid",
        )
    name = check_name(args[0])
    currency = check_currency(args[1])
    timezone = check_timezone(args[2]) if len(args) == 3 else "UTC"
    check_name_free(turn, name)
    commune = turn.uow.communes.add(name, currency, timezone, turn.locale, turn.now)
    turn.uow.communes.bind_chat(
        turn.msg.platform, turn.msg.chat_id, turn.msg.chat_title, commune.id
    )
    founder = turn.uow.communes.member_of(commune.id, turn.account.person_id)
    if founder is None:
        founder = Member(
            id=0,
            commune_id=commune.id,
            person_id=turn.account.person_id,
            name=names.member_name(turn.account.display_name, turn.msg.user_id),
            joined_at=turn.now,
        )
    founder.is_admin = founder.is_treasurer = True
    turn.uow.communes.save_member(founder)
    turn.commune, turn.member = commune, founder
    turn.post("setup_done", founder=founder.name)
