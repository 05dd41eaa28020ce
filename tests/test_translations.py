"""Translations: complete catalogs, a fresh .pot, every template rendering in every language.

The catalogs live in templates/locale (see scripts/i18n for how to re-extract and
merge after a template changes). Templates render with StrictUndefined, so each one
is rendered here with a sample of the context its handler gives it: a variable the
template needs and the handlers do not pass fails here first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import NullTranslations

import handlers.commands  # noqa: F401  (registers the commands)
from domain import keywords
from domain.assemblies import Threshold, parse_choice, parse_threshold
from domain.errors import Refusal
from handlers import rendering
from handlers.forms.assembly import parse_motion
from handlers.forms.model import DONE as DONE_WORDS
from handlers.locales import DEFAULT, SUPPORTED
from handlers.registry import COMMANDS
from handlers.rendering import render
from handlers.when import (
    parse_duration,
    parse_moment,
    parse_quorum,
    parse_remote_weight,
    parse_repeat,
    parse_yes_no,
)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LOCALE_DIR = TEMPLATES / "locale"
POT = LOCALE_DIR / "messages.pot"
TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\)s|%)")

# --- sample contexts ------------------------------------------------------------------

BASE = {"commune": "Terra", "currency": "EUR", "tz": "Europe/Madrid"}

OPEN_ISSUE = {  # as handlers.commands.bonds.issue_view makes it
    "number": 1,
    "asset": "Tractor",
    "cooperative": "Tierra",
    "price": 100000,
    "rent": 33333,
    "pledged": 40000,
    "remaining": 60000,
    "pledgers": 2,
    "deadline": "2026-12-31T22:59:59+00:00",
    "days_left": 12,
    "status": "open",
}
FILLED_ISSUE = {**OPEN_ISSUE, "pledged": 100000, "remaining": 0, "pledgers": 1, "days_left": 1}
SOLD_ISSUE = {**FILLED_ISSUE, "status": "sold", "pay_by": "2027-02-14T23:59:59+01:00"}
CLEARED_ISSUE = {  # /bond adds these once the issue cleared
    **FILLED_ISSUE,
    "status": "cleared",
    "outstanding": 67000,
    "rent_received": 33000,
    "arrears": 333,
    "lease_from": "2027-01",
}
APPROVAL_AT = {  # the assembly that votes on a bond awaiting approval
    "number": 1,
    "title": "Spring assembly",
    "opens": "2027-02-01T17:00:00+00:00",
    "closes": "2027-02-01T19:00:00+00:00",
}
AWAITING_ISSUE = {  # as handlers.bond_approval.awaiting_view makes it
    **OPEN_ISSUE,
    "pledged": 0,
    "remaining": 100000,
    "pledgers": 0,
    "status": "awaiting",
    "assembly": APPROVAL_AT,
}
UNSCHEDULED_ISSUE = {**AWAITING_ISSUE, "assembly": None, "days_left": 1}
DUE_TODAY_ISSUE = {**AWAITING_ISSUE, "days_left": 0}  # typed for the day it was proposed
OVEN = {**OPEN_ISSUE, "number": 2, "asset": "Bread oven", "cooperative": "Pan", "pledgers": 1}

CLEARING = {
    "period": "2027-01",
    "next_period": "2027-02",
    "rent": 33333,
    "leases": 1,
    "redeemed": 33000,
    "pool": 333,
    "dividend_each": 83,
    "eligible": 4,
    "carry_out": 1,
    "owed": 67000,
    "owed_assets": 1,
    "repaid": [],
    "arrears": 0,
}
LEDGER = {
    "leases": [
        {
            "number": 1,
            "asset": "Tractor",
            "cooperative": "Tierra",
            "price": 100000,
            "outstanding": 67000,
            "rent_received": 33000,
        }
    ],
    "rent_received": 33000,
    "redeemed": 33000,
    "dividends": 0,
    "cash": 0,
    "carry": 0,
    "last_period": "2027-01",
    "fund_in": 0,
    "fund_out": 0,
    "fund_balance": 0,
    "outstanding": 67000,
    "period": "2027-02",
    "paid_out": 12000,
    "paid_out_ever": 20000,
    "owed_to_members": 13000,
    "entries": 3,
    "balanced": True,
}
STATEMENT = {
    "period": "2027-01",
    "name": "ben",
    "dividend": 83,
    "holdings": [
        {"number": 1, "asset": "Tractor", "repaid": 16500, "outstanding": 23500},
        {"number": 2, "asset": "Bread oven", "repaid": 500, "outstanding": 0},
    ],
    "coop": {"name": "Tierra", "rent": 33333, "per_member": 16667},
    "ytd_dividends": 83,
    "ytd_repaid": 17000,
}
# Assemblies: as handlers.assembly_results.assembly_view and motion_view make them.
BOND = {
    "bond": 1,
    "asset": "Tractor",
    "cooperative": "Tierra",
    "from": "2027-03",
    "last": "2027-02",
}
ACTIONS = [  # as handlers.action_views.action_view makes them: every kind, every role
    {**BOND, "kind": "approve_bond"},
    {"kind": "approve_bond", "bond": 9, "from": "2027-03", "last": "2027-02"},
    {**BOND, "kind": "rent", "amount": 35000},
    {**BOND, "kind": "end_lease"},
    {**BOND, "kind": "relet", "cooperative": "Pan", "amount": 25000},
    *({"kind": "role", "member": "ben", "role": role} for role in ("admin", "treasurer", "member")),
    {"kind": "fund", "amount": 12000, "purpose": "Oven repair", "to": "Pan", "recipient": "member"},
    {"kind": "policy", "name": "approval", "value": "assembly"},
]
MOTIONS = [
    {"number": 1, "text": "Buy a tractor", "threshold": "majority", "action": None},
    {"number": 2, "text": "Raise rent to 350", "threshold": "two-thirds", "action": None},
    {"number": 3, "text": "Adopt the charter", "threshold": "consensus", "action": None},
    *(
        {
            "number": 4 + n,
            "text": "It is time" if n % 2 else "",
            "threshold": "two-thirds",
            "action": a,
        }
        for n, a in enumerate(ACTIONS)
    ),
    # the reason minga gives the end lease it puts on the agenda (handlers/arrears.py)
    {
        "number": 4 + len(ACTIONS),
        "text": "rent unpaid",
        "threshold": "majority",
        "action": {**BOND, "kind": "end_lease"},
    },
]
NOTES = [  # handlers/carried_actions.py's notes and their values
    ("rent_changed", {"number": 1, "asset": "Tractor", "amount": 35000, "month": "2027-03"}),
    ("lease_ended", {"number": 1, "asset": "Tractor", "month": "2027-02"}),
    ("role_set", {"member": "ben", "role": "treasurer"}),
    ("role_unchanged", {"member": "ben", "role": "admin"}),
    ("policy_set", {"name": "approval", "value": "assembly", "before": "none"}),
    ("not_leased", {"number": 1}),
    ("lease_already_ended", {"number": 1}),
    (
        "relet",
        {
            "number": 1,
            "asset": "Tractor",
            "cooperative": "Pan",
            "amount": 25000,
            "month": "2027-03",
        },
    ),
    ("lease_not_ended", {"number": 1}),
    ("asset_already_sold", {"number": 1}),
    ("member_gone", {"member": "ben", "role": "admin"}),
    ("last_admin", {"member": "ben", "role": "member"}),
    ("role_unchanged", {"member": "ben", "role": "member"}),
    ("policy_unchanged", {"name": "approval", "value": "assembly"}),
    ("bond_approved", {"number": 3, "asset": "Oven", "deadline": "2027-03-12T22:59:59+00:00"}),
    ("bond_not_approved", {"number": 3, "asset": "Oven"}),
    ("bond_not_awaiting", {"number": 3, "asset": "Oven", "status": "withdrawn"}),
    ("bond_unknown", {"number": 3}),
    ("granted", {"amount": 12000, "to": "Pan", "balance": 3000}),
    ("fund_short", {"amount": 12000, "to": "Pan", "balance": 3000}),
    ("not_funded", {"amount": 8000, "to": "dee", "balance": 3000}),
    ("recipient_gone", {"amount": 8000, "to": "dee"}),
]
ASSEMBLY = {
    "number": 1,
    "title": "Spring assembly",
    "opens": "2027-02-01T17:00:00+00:00",
    "closes": "2027-02-01T19:00:00+00:00",
    "quorum": 50,
    "repeat_weeks": None,
    "secret": False,
    "binding_present": False,
    "remote_weight": 100,
    "budget": False,
    "status": "scheduled",
    "eligible": None,
    "motions": MOTIONS,
}
PROPOSAL = {  # as handlers.assembly_results.proposal_view makes it
    "motion": 4,
    "text": "Community garden",
    "action": None,
    "threshold": "majority",
    "proposer": "ben",
    "supporters": 2,
    "needed": 3,
    "outcome": "pending",
}
NOT_SUPPORTED = {**PROPOSAL, "motion": 5, "supporters": 1, "needed": 1, "outcome": "not supported"}
# Every option shown, and a bare one: no quorum, no motions yet.
SECRET_ASSEMBLY = {
    **ASSEMBLY,
    "repeat_weeks": 2,
    "secret": True,
    "binding_present": True,
    "remote_weight": 0,
    "budget": True,
}
WEIGHTED_ASSEMBLY = {**ASSEMBLY, "remote_weight": 50}
BARE_ASSEMBLY = {**ASSEMBLY, "quorum": None, "repeat_weeks": 1, "motions": []}
OPEN_ASSEMBLY = {**ASSEMBLY, "status": "open", "eligible": 4, "proposals": [NOT_SUPPORTED]}
CLOSED_ASSEMBLY = {**ASSEMBLY, "status": "closed", "eligible": 4, "proposals": [NOT_SUPPORTED]}
NONE_EACH = {"yes": 0, "no": 0, "abstain": 0}
RESULTS = [
    {
        "motion": 1,
        "text": "Buy a tractor",
        "threshold": "majority",
        "yes": 3,
        "no": 1,
        "abstain": 0,
        "turnout": 4,
        "delegated": {"yes": 1, "no": 0, "abstain": 0},
        "present": {"yes": 2, "no": 1, "abstain": 0},
        "weighted": {"yes": "2.5", "no": "1"},
        "outcome": "carried",
    },
    {
        "motion": 2,
        "text": "Raise rent to 350",
        "threshold": "two-thirds",
        "yes": 2,
        "no": 2,
        "abstain": 0,
        "turnout": 4,
        "delegated": NONE_EACH,
        "present": {"yes": 1, "no": 1, "abstain": 0},
        "weighted": {"yes": "1.5", "no": "1.5"},
        "outcome": "rejected",
    },
    {
        "motion": 3,
        "text": "Adopt the charter",
        "threshold": "consensus",
        "yes": 1,
        "no": 0,
        "abstain": 0,
        "turnout": 1,
        "delegated": NONE_EACH,
        "present": NONE_EACH,
        "weighted": {"yes": "0.5", "no": "0"},
        "outcome": "no quorum",
    },
    *(
        {
            "motion": 4 + n,
            "text": "",
            "action": ACTIONS[2],
            "threshold": "majority",
            "yes": 3,
            "no": 0,
            "abstain": 0,
            "turnout": 3,
            "delegated": NONE_EACH,
            "present": NONE_EACH,
            "weighted": {"yes": "3", "no": "0"},
            "outcome": "carried",
            "executed": note.endswith(
                ("_changed", "_ended", "_set", "_approved", "relet", "granted")
            ),
            "note": note,
            "note_values": values,
        }
        for n, (note, values) in enumerate(NOTES)
    ),
]
RESULTS = [{"action": None, **result} for result in RESULTS]  # text motions' is None
SUMMARY = {  # as handlers.forms.assembly._summary makes it
    "title": "Spring assembly",
    "opens": ASSEMBLY["opens"],
    "closes": ASSEMBLY["closes"],
    "quorum": 50,
    "repeat_weeks": None,
    "secret": False,
    "binding_present": False,
    "remote_weight": 100,
    "budget": False,
    "motions": [{"text": m["text"], "threshold": m["threshold"], "action": None} for m in MOTIONS],
}
VOTE = {
    "number": 1,
    "text": "Buy a tractor",
    "action": None,
    "choice": "yes",
    "changed": False,
    "name": "ben",
}

HELP_NAMES = sorted(COMMANDS)  # /help lists command names; _usage.j2 gives each its line
STEP = {"step": 1, "steps": 4}

# What each template is given (on top of BASE), one context per branch worth rendering.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "assemblies": [
        {"upcoming": [OPEN_ASSEMBLY, {**ASSEMBLY, "number": 2}], "past": [CLOSED_ASSEMBLY]},
        {"upcoming": [], "past": [CLOSED_ASSEMBLY]},
        {"upcoming": [], "past": []},
    ],
    "assembly_agenda": [
        {"assembly": ASSEMBLY},
        {"assembly": {**ASSEMBLY, "proposals": [PROPOSAL, {**PROPOSAL, "needed": 1}]}},
        {"assembly": OPEN_ASSEMBLY},
        {"assembly": {**OPEN_ASSEMBLY, "secret": True}},
    ],
    "assembly_created": [
        {"assembly": SECRET_ASSEMBLY},
        {"assembly": BARE_ASSEMBLY},
        {"assembly": WEIGHTED_ASSEMBLY},
    ],
    "assembly_open": [
        {"assembly": OPEN_ASSEMBLY},
        {"assembly": {**SECRET_ASSEMBLY, "status": "open", "eligible": 1, "motions": []}},
        {"assembly": {**SECRET_ASSEMBLY, "status": "open", "eligible": 1}},
    ],
    "assembly_reminder": [
        {"assembly": OPEN_ASSEMBLY, "hours": 24, "motions": MOTIONS[1:]},
        {"assembly": OPEN_ASSEMBLY, "hours": 1, "motions": MOTIONS[:1]},
    ],
    "assembly_results": [  # published at closing; then asked for with /assembly <n>
        {
            "assembly": CLOSED_ASSEMBLY,
            "results": RESULTS,
            "participants": None,
            "took_part": 4,
            "presence": True,
            "published": True,
        },
        {
            "assembly": {
                **CLOSED_ASSEMBLY,
                "secret": True,
                "binding_present": True,
                "remote_weight": 0,
            },
            "results": RESULTS,
            "participants": ["ana", "ben", "cai", "dee"],
            "took_part": 4,
            "presence": False,
            "published": True,
        },
        {
            "assembly": CLOSED_ASSEMBLY,
            "results": RESULTS,
            "participants": None,
            "took_part": 3,
            "presence": False,
            "published": False,
        },
        {
            "assembly": {**CLOSED_ASSEMBLY, "remote_weight": 25},
            "results": RESULTS,
            "participants": None,
            "took_part": 4,
            "presence": False,
            "published": True,
        },
    ],
    "assembly_summary": [
        {"summary": SUMMARY},
        {"summary": {**SUMMARY, "budget": True}},
        {
            "summary": {
                **SUMMARY,
                "quorum": None,
                "repeat_weeks": 1,
                "secret": True,
                "binding_present": True,
                "remote_weight": 0,
            }
        },
        {"summary": {**SUMMARY, "repeat_weeks": 2, "remote_weight": 50}},
        {
            "summary": {
                **SUMMARY,
                "motions": [{"text": "", "threshold": "two-thirds", "action": a} for a in ACTIONS]
                + [
                    {"text": "The tractor got a cab", "threshold": "majority", "action": ACTIONS[1]}
                ],
            }
        },
    ],
    "ask_assembly_binding": [{}],
    "ask_assembly_remote": [{}],
    "ask_assembly_closes": [{"opens": ASSEMBLY["opens"]}],
    "ask_assembly_opens": [{}],
    "ask_assembly_quorum": [{"opens": ASSEMBLY["opens"], "closes": ASSEMBLY["closes"]}],
    "ask_assembly_repeat": [{}],
    "ask_assembly_secret": [{}],
    "ask_assembly_budget": [{}],
    "ask_assembly_title": [{}],
    "ask_asset": [STEP],
    "ask_commune_name": [STEP],
    "ask_currency": [STEP],
    "ask_deadline": [STEP],
    "ask_motion": [{"count": 0}, {"count": 2}],
    "ask_price": [STEP],
    "ask_rent": [STEP],
    "ask_timezone": [STEP],
    "bond": [
        {"issue": OPEN_ISSUE},
        {"issue": CLEARED_ISSUE},
        {"issue": {**CLEARED_ISSUE, "lease_last": "2027-02"}},
        {"issue": {**CLEARED_ISSUE, "rent_changes": [{"month": "2027-03", "rent": 35000}]}},
        {
            "issue": {
                **CLEARED_ISSUE,
                "rent_changes": [{"month": "2027-03", "rent": 25000, "cooperative": "Pan"}],
            }
        },
        {
            "issue": {
                **CLEARED_ISSUE,
                "lease_last": "2027-02",
                "sold": {"month": "2027-03", "amount": 60000},
            }
        },
        {"issue": {**OPEN_ISSUE, "status": "expired"}},
        {"issue": {**OPEN_ISSUE, "status": "withdrawn"}},
        {"issue": SOLD_ISSUE},
        {"issue": AWAITING_ISSUE},
        {"issue": UNSCHEDULED_ISSUE},
        {"issue": DUE_TODAY_ISSUE},
        {"issue": {**OPEN_ISSUE, "status": "not_approved"}},
    ],
    "bond_awaiting": [
        {"issue": AWAITING_ISSUE, "proposer": "cai"},
        {"issue": UNSCHEDULED_ISSUE, "proposer": "cai"},
        {"issue": DUE_TODAY_ISSUE, "proposer": "cai"},
    ],
    "bond_needs_assembly": [{"issue": UNSCHEDULED_ISSUE}],
    "lease_end_needs_assembly": [
        {"leases": [{"number": 1, "asset": "Tractor"}, {"number": 2, "asset": "Oven"}], "months": n}
        for n in (1, 3)
    ],
    "rent_arrears": [
        {
            "period": "2027-03",
            "leases": [
                {
                    "number": 1,
                    "asset": "Tractor",
                    "cooperative": "Tierra",
                    "due": 30000,
                    "paid": paid,
                    "arrears": 30000 * months - paid,
                    "months": months,
                    "ending": ending,
                }
                for paid, months, ending in [(0, 1, False), (10000, 3, True)]
            ],
        }
    ],
    "bond_not_approved": [{"issue": {**OPEN_ISSUE, "status": "not_approved"}}],
    "bond_cleared": [{"issue": FILLED_ISSUE, "holders": 3, "lease_from": "2027-01"}],
    "bond_expired": [{"issue": {**OPEN_ISSUE, "status": "expired"}}],
    "bond_live": [  # the Telegram group's bond message, edited as pledges arrive
        {"issue": OPEN_ISSUE},
        {"issue": {**FILLED_ISSUE, "status": "cleared"}},
        {"issue": {**OPEN_ISSUE, "status": "expired"}},
        {"issue": {**OPEN_ISSUE, "status": "withdrawn"}},
        {"issue": SOLD_ISSUE},
    ],
    "bond_new": [
        {"issue": {**OPEN_ISSUE, "pledged": 0, "pledgers": 0}, "proposer": "ben"},
        {"issue": {**OPEN_ISSUE, "pledged": 0, "pledgers": 0}, "approved_by": "Spring assembly"},
    ],
    "bond_withdrawn": [{"issue": {**OPEN_ISSUE, "status": "withdrawn"}}],
    "bonds": [
        {"issues": [OPEN_ISSUE, {**OVEN, "days_left": 1}], "awaiting": []},
        {"issues": [], "awaiting": []},
        {"issues": [OPEN_ISSUE], "awaiting": [AWAITING_ISSUE, UNSCHEDULED_ISSUE]},
    ],
    "button_done": [{}],
    "button_expired": [{}],
    "button_label": [
        {"name": "cancel"},
        {"name": "pledge", "amount": 25000},
        {"name": "vote", "number": 2, "choice": "abstain"},
        {"name": "support", "number": 4},
    ],
    "button_not_yours": [{}],
    "cancelled": [{}],
    "clearing_summary": [
        {**CLEARING, "repaid": [{"number": 1, "asset": "Tractor"}]},
        {**CLEARING, "leases": 2, "eligible": 1, "owed": 0, "owed_assets": 0, "arrears": 33333},
        {**CLEARING, "sale_proceeds": 60000, "sale_left": 0, "written_off": 30000},
        {**CLEARING, "fund_share": 10000},
    ],
    "coop_created": [{"name": "Pan y Rosas"}],
    "coop_list": [{"cooperatives": ["Tierra", "Pan"]}, {"cooperatives": []}],
    "delegated": [{"delegate": "ana"}],
    "delegation_received": [{"name": "ben", "delegators": ["ben", "cai"]}],
    "delegation_withdrawn": [{"name": "ben"}],
    "delegation_ended": [{"name": "ben"}],
    "form_assembly": [{}],
    "dm_start_needed": [
        {"names": ["ben"], "more": 0, "link": "https://t.me/minga_bot?start=c1-x"},
        {"names": ["ben", "cai"], "more": 0, "link": "https://t.me/minga_bot?start=c1-x"},
        {"names": ["ben", "cai"], "more": 1, "link": "https://t.me/minga_bot?start=c1-x"},
        {"names": ["ben", "cai"], "more": 12, "link": "https://t.me/minga_bot?start=c1-x"},
    ],
    "form_propose": [{}],
    "form_setup": [{}],
    "help": [
        {"commands": HELP_NAMES, "is_member": False},  # queued before is_admin: as an admin's
        {"commands": HELP_NAMES, "is_member": True, "is_admin": False},
        {"commands": HELP_NAMES, "is_member": True, "is_admin": True},
        {"commands": HELP_NAMES, "is_member": True, "limited": ["coop", "assembly"]},
    ],
    "help_command": [{"name": name, "role": COMMANDS[name].role} for name in HELP_NAMES],
    "holding_created": [{"issue": FILLED_ISSUE, "principal": 40000, "lease_from": "2027-01"}],
    "internal_error": [{}],
    "job_failed": [  # to the commune's admins, once per streak of failures
        {"what": "clearing", "period": "2027-01", "minutes": 1},
        {"what": "deadline", "number": 3, "minutes": 2},
        {"what": "assembly", "step": "open", "number": 2, "minutes": 1},
        {"what": "assembly", "step": "remind", "number": 2, "minutes": 1},
        {"what": "assembly", "step": "close", "number": 2, "minutes": 1},
    ],
    "job_recovered": [
        {"what": "clearing", "period": "2027-01", "attempts": 3},
        {"what": "deadline", "number": 3, "attempts": 2},
        {"what": "assembly", "step": "open", "number": 2, "attempts": 2},
        {"what": "assembly", "step": "remind", "number": 2, "attempts": 2},
        {"what": "assembly", "step": "close", "number": 2, "attempts": 4},
    ],
    "joined": [{"name": "ben", "cooperative": "Tierra"}, {"name": "ben", "cooperative": None}],
    "joined_cooperative": [{"name": "ana", "cooperative": "Tierra"}],
    "lang_set": [{"language": "es"}],
    "lang_group_set": [{"language": "es"}],
    "link_code": [{"code": "K7QM3XPA", "minutes": 15}],
    "linked": [{"platform": "Telegram"}, {"platform": "Matrix"}],
    "ledger": [
        LEDGER,
        {**LEDGER, "leases": [], "outstanding": 0, "entries": 1},
        {**LEDGER, "balanced": False},
        {**LEDGER, "fund_in": 25000, "fund_out": 25000, "fund_balance": 0},
    ],
    "left": [{"name": "ben", "released": [1, 2]}, {"name": "ben", "released": []}],
    "marked_absent": [{"title": "Spring assembly", "names": ["cai"], "present": 1, "eligible": 4}],
    "marked_present": [
        {"title": "Spring assembly", "names": ["ana", "ben"], "present": 3, "eligible": 4}
    ],
    "proposal_added": [{"assembly": ASSEMBLY, "proposal": PROPOSAL}],
    "proposal_supported": [{"name": "cai", "title": "Spring assembly", "proposal": PROPOSAL}],
    "proposal_unsupported": [
        {"name": "cai", "title": "Spring assembly", "proposal": {**PROPOSAL, "supporters": 1}}
    ],
    "proposal_on_agenda": [
        {
            "name": "dee",
            "title": "Spring assembly",
            "assembly": ASSEMBLY,
            "proposal": {**PROPOSAL, "supporters": 3},
        }
    ],
    "motion_added": [
        {
            "assembly": ASSEMBLY,
            "number": 4,
            "text": "Plant an orchard",
            "threshold": threshold,
            "action": None,
        }
        for threshold in ("majority", "two-thirds", "consensus")
    ],
    "motion_noted": [{"count": 1}],
    "motion_text": [{"m": m} for m in MOTIONS],
    "no_statement": [{"period": "2027-01"}],
    "nothing_to_cancel": [{}],
    "pledge_released": [
        {"issue": OPEN_ISSUE, "amount": 25000, "reason": "expired"},
        {"issue": OPEN_ISSUE, "amount": 25000, "reason": "withdrawn"},
        {"issue": OPEN_ISSUE, "amount": 25000, "kept": 0, "reason": "unpaid"},
        {"issue": OPEN_ISSUE, "amount": 25000, "kept": 500, "reason": "unpaid"},
    ],
    "bond_sold": [{"issue": SOLD_ISSUE}],
    "payment_due": [{"issue": SOLD_ISSUE, "amount": 25000}],
    "payment_recorded": [
        {"issue": SOLD_ISSUE, "name": "ana", "amount": 25000, "rest": rest} for rest in (0, 5000)
    ],
    "payment_received": [{"issue": SOLD_ISSUE, "amount": 25000, "rest": rest} for rest in (0, 50)],
    "bond_reopened": [{"issue": OPEN_ISSUE}],
    "grant_to_pay": [{"motion": 3, "amount": 12000, "to": "Pan", "purpose": "Oven repair"}],
    "refunds_due": [
        {
            "issue": OPEN_ISSUE,
            "refunds": [{"name": "ana", "amount": 2500}, {"name": "ben", "amount": 7}],
        }
    ],
    "refund_recorded": [{"issue": OPEN_ISSUE, "name": "ana", "amount": 2500}],
    "refund_received": [{"issue": OPEN_ISSUE, "amount": 2500}],
    "pledged": [
        {"issue": OPEN_ISSUE, "amount": 25050, "total": 25050, "name": "ben"},
        {"issue": FILLED_ISSUE, "amount": 60000, "total": 100000, "name": "ana"},
    ],
    "rent_recorded": [
        {
            "issue": CLEARED_ISSUE,
            "amount": 33333,
            "period": period,
            "moved": moved,
            "recorded": "2027-01",
        }
        for period, moved in (("2027-01", None), ("2027-02", "cleared"), ("2027-02", "lease"))
    ],
    "role_set": [
        {"name": "ben", "role": role, "admin": admin, "treasurer": treasurer}
        for role, admin, treasurer in [
            ("treasurer", True, True),
            ("admin", True, False),
            ("treasurer", False, True),
            ("member", False, False),
        ]
    ],
    "sent_by_dm": [{"name": "ben"}],
    "export_sent_by_dm": [{"name": "dee"}],
    "journal_export": [{"span": "2027"}, {"span": "2027-01"}, {"span": ""}],
    "money_chart": [
        {"count": 1, "first": "2027-04", "last": "2027-04"},
        {"count": 5, "first": "2026-12", "last": "2027-04"},
    ],
    "chart_legend": [{}],
    "file_too_large": [
        {
            "filename": "journal.csv",
            "kind": "journal",
            "ask": "year_or_month",
            "year": "2027",
            "month": "2027-01",
        },
        {"filename": "journal-2027.csv", "kind": "journal", "ask": "month", "month": "2027-01"},
        {"filename": "journal-2027-01.csv", "kind": "journal", "ask": ""},
        {"filename": "money-2027-04.png", "kind": "chart", "ask": "months", "months": 6},
        {"filename": "money-2027-04.png", "kind": "chart", "ask": ""},
    ],
    "setup_done": [{"founder": "ana"}],
    "start_hello": [{"member": True}, {"member": False}],
    "start_ready": [{"name": "dee"}],
    "statement": [
        STATEMENT,
        {**STATEMENT, "holdings": [], "coop": None},
        {
            **STATEMENT,
            "sales": [
                {"number": 1, "asset": "Tractor", "repaid": 36000, "written_off": 18000},
                {"number": 2, "asset": "Bread oven", "repaid": 500, "written_off": 0},
            ],
        },
        {**STATEMENT, "paid_out": 12000, "owed": 5083},
        {**STATEMENT, "paid_out": 0, "owed": 5083},
    ],
    "payout_recorded": [{"name": "ana", "amount": 12000, "rest": rest} for rest in (5000, 0)],
    "payout_received": [{"amount": 12000, "rest": rest} for rest in (5000, 0)],
    "payout_all_recorded": [
        {"count": count, "amount": 120000, "up_to": up_to}
        for count, up_to in ((1, "2027-02"), (40, None), (2, None))
    ],
    "payout_sent_by_dm": [{"name": "ana"}],
    "refusal/nothing_owed": [{"name": "ben"}],
    "refusal/nothing_owed_anyone": [{"up_to": "2027-02"}, {"up_to": None}],
    "refusal/payout_exceeds_owed": [{"name": "ben", "owed": 5000}],
    "asset_sold": [
        {
            "issue": CLEARED_ISSUE,
            "amount": amount,
            "owed": owed,
            "repaid": min(amount, owed),
            "to_pool": max(0, amount - owed),
            "written_off": max(0, owed - amount),
            "period": "2027-05",
        }
        for amount, owed in ((60000, 90000), (100000, 90000), (50000, 0))
    ],
    "sale_repaid": [
        {
            "issue": CLEARED_ISSUE,
            "amount": 60000,
            "repaid": 36000,
            "written_off": lost,
            "period": "2027-05",
        }
        for lost in (18000, 0)
    ],
    "undelegated": [{"delegate": "ana"}],
    "unpledged": [{"issue": OPEN_ISSUE, "amount": 10000, "name": "ben"}],
    "vote_recorded": [
        {**VOTE, "choice": choice, "changed": changed}
        for choice, changed in [("yes", False), ("no", True), ("abstain", False)]
    ],
    "vote_withdrawn": [{**VOTE, "secret": False}, {**VOTE, "secret": True}],
    "motion_ballot": [
        {"motion": motion, "ballot": {"assembly_id": 1, "motion_id": 1, "number": 1}}
        for motion in MOTIONS
    ]
    + [{"motion": {**MOTIONS[0], "action": ACTIONS[2]}, "ballot": {}}],
    "refusal/no_vote_to_withdraw": [{"number": 1}],
    "vote_secret_recorded": [{**VOTE, "choice": choice} for choice in ("yes", "no", "abstain")]
    + [{**VOTE, "action": ACTIONS[2]}],
    "refusal/threshold_too_low": [{"asked": "majority", "least": "two-thirds"}],
    "refusal/lease_ended": [{"number": 1, "asset": "Tractor", "last": "2027-02"}],
    "refusal/lease_not_ended": [{"number": 1, "asset": "Tractor"}],
    "refusal/asset_sold": [{"number": 1, "asset": "Tractor"}],
    # refusals: the parameters of the Refusal(code, **params) that names them
    "refusal/already_in_cooperative": [{"cooperative": "Tierra"}],
    "refusal/already_member": [{"commune": "Terra"}],
    "refusal/already_supporting": [
        {"number": 4, "text": "Community garden", "action": None, "count": 2, "needed": 3},
        {"number": 4, "text": "", "action": ACTIONS[1], "count": 1, "needed": 1},
    ],
    "refusal/not_supporting": [
        {"number": 4, "text": "Community garden", "action": None},
        {"number": 4, "text": "Our reason", "action": ACTIONS[-1]},
    ],
    "refusal/support_after_opening": [{"number": 4, "title": "Spring assembly"}],
    "refusal/support_on_agenda": [
        {"number": 4, "title": "Spring assembly", "command": "support"},
        {"number": 4, "title": "Spring assembly", "command": "unsupport"},
    ],
    "refusal/unsupport_own": [
        {"number": 4, "text": "Community garden", "action": None},
        {"number": 4, "text": "", "action": ACTIONS[0]},
    ],
    "refusal/vote_on_proposal": [
        {"number": 4, "text": "Community garden", "action": None, "pending": True},
        {"number": 4, "text": "", "action": ACTIONS[2], "pending": False},
    ],
    "refusal/already_setup": [{"commune": "Terra"}],
    "refusal/amount_ambiguous": [
        {
            "text": "1.50",
            "decimal": "1,50",
            "decimal_amount": "1,50\u00a0€",
            "grouped": "1.500",
            "grouped_amount": "1.500,00\u00a0€",
        }
    ],
    "refusal/amount_malformed": [{"text": "12x"}],
    "refusal/amount_not_positive": [{"text": "-5"}, {}],
    "refusal/amount_too_large": [{"text": "1e99"}],
    "refusal/amount_too_precise": [
        {"text": "1.005", "digits": 2},
        {"text": "12.5", "digits": 0},
    ],
    "refusal/asset_missing": [{}],
    "refusal/asset_too_long": [{}],
    "refusal/bad_assembly_number": [{"text": "x"}],
    "refusal/bad_assembly_title": [{}],
    "refusal/bad_choice": [{"text": "maybe"}],
    "refusal/bad_moment": [{"text": "the day after never"}],
    "refusal/bad_motion_number": [{"text": "x"}, {"text": "x", "command": "support"}],
    "refusal/bad_motion_text": [{}],
    "refusal/bad_quorum": [{"text": "150%"}],
    "refusal/bad_remote_weight": [{"text": "150%"}],
    "refusal/binding_and_remote": [{"weight": 50}],
    "refusal/no_remote_weight": [{}],
    "refusal/bad_repeat": [{"text": "sometimes"}],
    "refusal/bad_threshold": [{"text": "unanimity"}],
    "refusal/bad_yes_no": [{"text": "maybe"}],
    "refusal/closes_before_opening": [{}],
    "refusal/delegate_not_member": [{"name": "zoe"}],
    "refusal/delegate_to_self": [{}],
    "refusal/motion_after_opening": [{"number": 1, "title": "Spring assembly"}],
    "refusal/no_delegation": [{}],
    "refusal/no_motions": [{}],
    "refusal/no_open_assembly": [{}],
    "refusal/not_a_voter_here": [{"name": "zoe", "title": "Spring assembly"}],
    "refusal/not_marked_present": [
        {"names": ["ben"], "title": "Spring assembly", "present": []},
        {"names": ["ben", "dee"], "title": "Spring assembly", "present": ["ana", "cai"]},
    ],
    "refusal/not_voter": [{"title": "Spring assembly"}],
    "refusal/opens_in_past": [{}],
    "refusal/presence_closed": [{"number": 1, "title": "Spring assembly"}],
    "refusal/presence_not_open": [
        {"number": 1, "title": "Spring assembly", "opens": ASSEMBLY["opens"]}
    ],
    "refusal/unknown_assembly": [{"number": 9}],
    "policies": [
        {
            "policies": [
                {"name": "decide", "value": decide, "default": "admins"},
                {"name": "approval", "value": approval, "default": "none"},
                {"name": "support", "value": support, "default": "3"},
                {"name": "default-months", "value": months, "default": "3"},
            ],
            "by_assembly": decide == "assembly",
        }
        for decide, approval, support, months in [
            ("admins", "none", "3", "3"),
            ("assembly", "assembly", "25%", "1"),
            ("admins", "none", "1", "24"),
        ]
    ],
    "policy_changed": [
        {"name": "support", "before": "3", "value": "25%", "by": "ana"},
        {"name": "decide", "before": "admins", "value": "assembly", "by": "ana"},
        {"name": "payment-days", "before": "0", "value": "14", "by": "ana"},
        {"name": "payment-days", "before": "14", "value": "0", "by": "ana"},
        {"name": "fund", "before": "0%", "value": "25%", "by": "ana"},
        {"name": "fund", "before": "25%", "value": "0%", "by": "ana"},
    ],
    "refusal/not_awaiting_approval": [{"number": 3, "asset": "Oven"}],
    "refusal/unknown_policy": [{"name": "quorum", "known": "decide, approval, support"}],
    "refusal/bad_policy_value": [
        {"name": "approval", "text": "maybe", "allowed": "none, assembly"}
    ],
    "refusal/policy_by_assembly": [{"name": "approval", "value": "assembly"}],
    "refusal/policy_unchanged": [{"name": "decide", "value": "admins"}],
    "refusal/unknown_motion": [{"number": 9}],
    "refusal/vote_by_dm": [{"number": 1}],
    "refusal/voting_closed": [{"number": 1, "title": "Spring assembly"}],
    "refusal/voting_not_open": [
        {"number": 1, "title": "Spring assembly", "opens": ASSEMBLY["opens"]}
    ],
    "refusal/voting_too_long": [{}],
    "refusal/which_assembly": [  # /present or /absent without a number, two voting
        {
            "command": "present",
            "names": "ana cai",
            "running": [
                {"number": 1, "title": "Spring assembly"},
                {"number": 2, "title": "Budget vote"},
            ],
        }
    ],
    "refusal/bad_commune_name": [{}],
    "refusal/bad_cooperative_name": [{}],
    "refusal/bad_date": [{"text": "31/03/2027"}],
    "refusal/bad_issue_number": [{"text": "x"}],
    "refusal/bad_period": [{"text": "enero"}],
    "refusal/year_out_of_range": [{"text": "9999-12-31", "first": 2000, "last": 2999}],
    "refusal/nonexistent_time": [
        {
            "text": "2027-03-28T02:30",
            "zone": "Europe/Madrid",
            "before": "2027-03-28T01:59:00+01:00",
            "after": "2027-03-28T03:00:00+02:00",
        }
    ],
    "refusal/commune_name_taken": [{"name": "Terra"}],
    "refusal/cooperative_exists": [{"name": "Tierra"}],
    "refusal/deadline_past": [{}],
    "refusal/issue_cleared": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_expired": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_sold": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_not_sold": [{"number": 1, "asset": "Tractor"}],
    "refusal/refund_not_expired": [{"number": 1, "asset": "Tractor"}],
    "refusal/member_no_pledge": [{"number": 1, "name": "ana"}],
    "refusal/nothing_to_refund": [{"number": 1, "name": "ana"}],
    "refusal/pledge_paid": [{"number": 1, "name": "ana", "amount": 2500}],
    "refusal/payment_exceeds_rest": [{"number": 1, "rest": 2500}],
    "refusal/issue_past_deadline": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_withdrawn": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_awaiting": [
        {"number": 1, "asset": "Tractor", "assembly": APPROVAL_AT},
        {"number": 1, "asset": "Tractor", "assembly": None},
    ],
    "refusal/issue_not_approved": [{"number": 1, "asset": "Tractor"}],
    "refusal/last_admin": [{}],
    "refusal/last_admin_leave": [{}],
    "refusal/link_bad_code": [{"text": "NOPE1234"}],
    "refusal/link_both_members": [{"commune": "Terra"}],
    "refusal/link_in_private": [{}],
    "refusal/link_same_person": [{}],
    "refusal/name_hidden_character": [
        {"problem": problem, "subject": subject, "char": "U+200B ZERO WIDTH SPACE"}
        for problem in ("invisible", "bidi", "control")
        for subject in ("name", "text")
    ],
    "refusal/no_clearing_yet": [{}],
    "refusal/no_commune_here": [{}],
    "refusal/no_commune_private": [{}],
    "refusal/no_cooperative": [{}],
    "refusal/no_pledge": [{"number": 1}],
    "refusal/not_admin": [{}],
    "refusal/not_cleared": [{"period": "2027-05"}],
    "refusal/export_range": [{"given": "13"}],
    "refusal/export_not_treasurer": [{}],
    "refusal/chart_periods": [{"given": "0", "most": 60}],
    "refusal/chart_nothing_cleared": [{}],
    "refusal/not_leased": [{"number": 1, "asset": "Tractor"}],
    "refusal/not_member": [{"commune": "Terra"}],
    "refusal/not_proposer": [{"number": 1}],
    "refusal/not_treasurer": [{}],
    "refusal/pledge_exceeds_remaining": [{"number": 1, "remaining": 30000}],
    "refusal/pledge_limit": [{"limit": 10**15}],
    "refusal/principal_limit": [{"limit": 10**16, "outstanding": 10**16 - 5, "room": 5}],
    "refusal/lease_rent_limit": [{"limit": 10**13, "period": "2027-01", "so_far": 33333}],
    "refusal/period_rent_limit": [{"limit": 5 * 10**13, "period": "2027-01", "so_far": 1}],
    "refusal/dividend_pool_limit": [{"limit": 5 * 10**13, "period": "2027-01", "so_far": 2}],
    "refusal/setup_in_group": [{}],
    "refusal/setup_not_admin": [{}],
    "refusal/slow_down": [{"seconds": 1}, {"seconds": 6}],
    "refusal/unbalanced_quotes": [{"command": "propose"}],
    "refusal/unknown_command": [{"name": "plegde"}],
    "refusal/unknown_recipient": [{"name": "Nobody"}],
    "refusal/unknown_cooperative": [
        {"name": "Tiera", "cooperatives": ["Tierra", "Pan"]},
        {"name": "Tiera", "cooperatives": []},
    ],
    "refusal/unknown_currency": [{"text": "EURO"}],
    "refusal/unknown_issue": [{"number": 9}],
    "refusal/unknown_language": [
        {"languages": list(SUPPORTED)},
        {"languages": list(SUPPORTED), "group": True},
    ],
    "refusal/lang_group_in_group": [{}],
    "refusal/unknown_member": [{"name": "zoe"}],
    "refusal/unknown_role": [{"text": "boss"}],
    "refusal/unknown_timezone": [{"text": "Mars/Olympus"}],
    "refusal/usage": [
        {"command": "pledge", "example": "/pledge 1 500"},
        {"command": "propose", "example": '/propose "Bread oven" 4000 90 2027-03-31'},
        {"command": "vote", "example": "/vote 1 yes"},
        # each example with its own words in each language (templates/_examples.j2)
        *(
            {"command": "assembly", "example": example}
            for example in (
                '/assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 50%',
                '/motion 1 "Buy a tractor" majority',
                "/role ana treasurer",
                "/motion 1 role ben treasurer",
                "/motion 1 approve bond 3",
                "/motion 1 rent 1 350",
                "/motion 1 end lease 1",
                "/motion 1 relet 1 Pan 250",
                "/motion 1 policy approval assembly",
                '/motion 1 fund 500 "Seeds for the garden" to Pan',
                "/rent 1 333.33",
                "/coop new Pan y Rosas",
            )
        ),
    ],
}


def template_names() -> list[str]:
    """Every message template (not the _partials), as handlers name them."""
    return sorted(
        path.relative_to(TEMPLATES).with_suffix("").as_posix()
        for path in TEMPLATES.rglob("*.j2")
        if not path.name.startswith("_")
    )


def samples() -> Iterator[tuple[str, int, dict[str, Any]]]:
    for template, contexts in SAMPLES.items():
        for index, context in enumerate(contexts):
            yield template, index, {**BASE, **context}


# --- catalogs ---------------------------------------------------------------------------


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def ids(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid,) or (msgid, msgid_plural), header left out."""
    return {key(m.id): (m.id,) if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    return {name for name in PLACEHOLDER.findall(text) if name}


def test_pot_is_up_to_date_with_the_templates() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        extracted[key(message)] = (message,) if isinstance(message, str) else tuple(message)
    assert extracted, "babel.cfg extracted nothing from templates/"
    committed = ids(read_catalog(POT))
    assert sorted(set(extracted) - set(committed)) == [], "not in the .pot: scripts/i18n update"
    assert sorted(set(committed) - set(extracted)) == [], "gone from templates: scripts/i18n update"
    assert extracted == committed, "plural forms changed: scripts/i18n update"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete(locale: str) -> None:
    template = ids(read_catalog(POT))
    catalog = read_catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert ids(catalog) == template, f"{locale} is behind the .pot: scripts/i18n update"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        english = template[key(message.id)]
        wanted = set().union(*(placeholders(text) for text in english))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {english[0]!r}")
        if len(strings) != len(english) or not all(strings):
            problems.append(f"untranslated: {english[0]!r}")
            continue
        for string in strings:
            if placeholders(string) != wanted:
                problems.append(f"placeholders {placeholders(string)} != {wanted}: {string!r}")
            if "%" in PLACEHOLDER.sub("", string):
                problems.append(f"a lone % (write %%): {string!r}")
    problems += [f"babel: {error}" for _message, errors in catalog.check() for error in errors]
    assert problems == []


USAGE_SOURCE = "templates/_usage.j2"
# What a reader types as is: the format hints and the fixed choices. Everything else in
# <angle> or [square] brackets is a placeholder the translation puts in its own words,
# except the words around a placeholder in [square] brackets ([quorum <N>%], [every <N>w]):
# those are keywords. A keyword (a role, a threshold, an option, a vote, "group") may be
# given in the reader's words, as long as the command reads them (domain/keywords.py):
# the skeleton reads each word back to its canonical one. A format hint may be written
# with the language's letters (AAAA-MM-DD for YYYY-MM-DD).
LITERAL = re.compile(
    r"YYYY-MM(?:-DD)?|en\|es\|ca|admin\|treasurer\|member|majority\|two-thirds\|consensus"
    r"|\bsecret\b"
)
ANGLED = re.compile(r"<[^<>]*>")
SQUARED = re.compile(r"\[[^\[\]]*\]")
ALTERNATIVES = re.compile(r"[^\s|<>\[\]]+(?:\|[^\s|<>\[\]]+)+")


def accepted_choice(word: str) -> str | None:
    """The vote /vote reads from ``word``, or None."""
    try:
        return parse_choice(word).value
    except Refusal:
        return None


_KEYWORD_GROUPS = (
    keywords.ROLES,
    keywords.THRESHOLDS,
    keywords.OPTIONS,
    keywords.WEEKS,
    keywords.SCOPES,
    keywords.ACTIONS,
    keywords.ACTION_PARTS,
)
_WORD = re.compile(r"[^\s|<>\[\]\"]+")


def canonical_words(line: str) -> str:
    """'[quórum <N>%%] [cada <N> semanas] admin|tesorería' -> '[quorum <N>%%] [every <N>w]
    admin|treasurer': each keyword as the command reads it, outside placeholders."""

    def canonical(match: re.Match[str]) -> str:
        for group in _KEYWORD_GROUPS:
            found = keywords.read(match.group(), group)
            if found is not None:
                return found
        return match.group()

    line = line.replace("AAAA-MM", "YYYY-MM")
    outside = re.split(r"(<[^<>]*>)", line)
    line = "".join(part if part.startswith("<") else _WORD.sub(canonical, part) for part in outside)
    return line.replace("> weeks]", ">w]")


def usage_skeleton(line: str) -> str:
    """'/propose <asset> <deadline YYYY-MM-DD>' -> '/propose <> <YYYY-MM-DD>'.

    '/vote <moción> sí|no|abstención' -> '/vote <> yes|no|abstain';
    '[quórum <N>%%] [secreta]' -> '[quorum <>%%] [secret]'."""
    line = canonical_words(line)

    def literals(match: re.Match[str]) -> str:
        return match.group()[0] + "".join(LITERAL.findall(match.group())) + match.group()[-1]

    def votes(match: re.Match[str]) -> str:
        choices = [accepted_choice(word) for word in match.group().split("|")]
        return "|".join(c for c in choices if c) if all(choices) else match.group()

    line = ANGLED.sub(literals, line)
    line = SQUARED.sub(lambda m: m.group() if "<" in m.group() else literals(m), line)
    return ALTERNATIVES.sub(votes, line)


def usage_lines() -> list[str]:
    return sorted(
        key(m.id)
        for m in read_catalog(POT)
        if m.id and any(path == USAGE_SOURCE for path, _line in m.locations)
    )


def test_usage_lines_come_from_the_usage_macro() -> None:
    assert "/pledge <issue> <amount>" in usage_lines()


def test_usage_skeletons_keep_keywords_and_read_votes_as_the_bot_does() -> None:
    english = '/assembly new "<title>" <opens> <closes> [quorum <N>%%] [every <N>w] [secret]'
    assert usage_skeleton(english) == '/assembly new "<>" <> <> [quorum <>%%] [every <>w] [secret]'
    assert usage_skeleton("/assembly new <título> [quórum <N>%%]") == usage_skeleton(
        "/assembly new <title> [quorum <N>%%]"
    )
    assert usage_skeleton("/assembly new <título> [cuórum <N>%%]") != usage_skeleton(
        "/assembly new <title> [quorum <N>%%]"
    )
    assert usage_skeleton("[cada <N> semanas] [secreta]") == usage_skeleton("[every <N>w] [secret]")
    assert usage_skeleton("/role <m> admin|tesorería|miembro") == "/role <> admin|treasurer|member"
    assert usage_skeleton("/statement [AAAA-MM]") == "/statement [YYYY-MM]"
    assert usage_skeleton("/vote <moció> sí|no|abstenció") == "/vote <> yes|no|abstain"
    assert usage_skeleton("/vote <moción> sí|no|quizás") == "/vote <> sí|no|quizás"
    assert usage_skeleton("/motion <a> [mayoría|dos tercios]") == "/motion <> []"
    assert usage_skeleton("/present <member> [<member>…]") == "/present <> [<>…]"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_usage_lines_translate_placeholders_but_keep_what_is_typed(locale: str) -> None:
    """/command, keywords, YYYY-MM-DD, en|es|ca, admin|treasurer|member stay as typed."""
    catalog = read_catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    problems = []
    for english in usage_lines():
        translated = catalog[english].string
        if usage_skeleton(translated) != usage_skeleton(english):
            problems.append(f"{translated!r} is not shaped like {english!r}")
        elif usage_skeleton(english) != english and translated == english:
            problems.append(f"placeholders left in English: {translated!r}")
    assert problems == []


# --- what a reader is told to type ---------------------------------------------------------

VOTE_EXAMPLE = re.compile(r"/vote \S+ (\S+)")
MOTION_EXAMPLE = re.compile(r'/motion \S+ "[^"]*" \[([^\]]+)\]')


def messages_in(locale: str) -> list[str]:
    """Every message text a reader of ``locale`` can get, plural forms included."""
    if locale == DEFAULT:
        return [text for texts in ids(read_catalog(POT)).values() for text in texts]
    catalog = read_catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    return [
        text
        for m in catalog
        if m.id
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
    ]


def accepted_threshold(word: str) -> bool:
    try:
        parse_threshold(word)
    except Refusal:
        return False
    return True


@pytest.mark.parametrize("locale", SUPPORTED)
def test_vote_and_motion_examples_use_words_the_commands_accept(locale: str) -> None:
    """/vote reads sí, abstención, abstenció...; /motion reads only the English thresholds."""
    problems, examples = [], 0
    for text in messages_in(locale):
        for found in VOTE_EXAMPLE.findall(text):
            examples += 1
            words = found.rstrip(".,;:)").split("|")
            problems += [f"/vote refuses {w!r}: {text!r}" for w in words if not accepted_choice(w)]
        for found in MOTION_EXAMPLE.findall(text):
            examples += 1
            words = found.split("|")
            problems += [
                f"/motion refuses {w!r}: {text!r}" for w in words if not accepted_threshold(w)
            ]
    assert problems == []
    assert examples >= 10


NOW = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)  # a Monday morning


Reads = Callable[[str, str], bool]  # (suggested word, locale) -> accepted


def _reads(parse: Callable[[str, str], object]) -> Reads:
    """(word, locale) -> whether ``parse`` takes the word without a refusal."""

    def check(word: str, locale: str) -> bool:
        try:
            parse(word, locale)
        except Refusal:
            return False
        return True

    return check


moment = _reads(lambda word, locale: parse_moment(word, BASE["tz"], locale, NOW))
quorum = _reads(lambda word, _locale: parse_quorum(word))
remote = _reads(lambda word, _locale: parse_remote_weight(word))
repeat = _reads(lambda word, _locale: parse_repeat(word))
yes_no = _reads(lambda word, _locale: parse_yes_no(word))
choice = _reads(lambda word, _locale: parse_choice(word))
threshold = _reads(lambda word, _locale: parse_threshold(word))


def duration(word: str, _locale: str) -> bool:
    return parse_duration(word) is not None


def done(word: str, _locale: str) -> bool:
    return word in DONE_WORDS


def raises_the_threshold(word: str, _locale: str) -> bool:
    """The form reads "<motion> — <word>" as a motion needing more than a majority."""
    return parse_motion(f"Plant an orchard — {word}")[1] is not Threshold.MAJORITY


def needs_consensus(word: str, _locale: str) -> bool:
    return parse_motion(word)[1] is Threshold.CONSENSUS


MOMENTS = {
    "en": ["2027-02-01T18:00", "next thursday 18:00"],
    "es": ["2027-02-01T18:00", "jueves a las 18:00"],
    "ca": ["2027-02-01T18:00", "dijous a les 18:00"],
}
TWO_HOURS = {locale: ["2h"] for locale in SUPPORTED}
QUORUMS = {"en": ["50%", "none"], "es": ["50%", "ninguno"], "ca": ["50%", "cap"]}
REPEATS = {
    "en": ["every 2 weeks", "no"],
    "es": ["cada 2 semanas", "no"],
    "ca": ["cada 2 setmanes", "no"],
}
YES_NO = {"en": ["yes", "no"], "es": ["sí", "no"], "ca": ["sí", "no"]}
WEIGHTS = {locale: ["100%", "50%"] for locale in SUPPORTED}
DONE = {"en": ["done"], "es": ["listo"], "ca": ["fet"]}
OPENS_CLOSES = {"opens": ASSEMBLY["opens"], "closes": ASSEMBLY["closes"]}
# Each prompt or refusal of the assembly form and /vote, what reads the answer, and the
# answers it suggests in each language: every one must be accepted as suggested.
SUGGESTIONS: list[tuple[str, dict[str, Any], Reads, dict[str, list[str]]]] = [
    ("ask_assembly_opens", {}, moment, MOMENTS),
    ("refusal/bad_moment", {"text": "x"}, moment, MOMENTS),
    ("ask_assembly_closes", {"opens": ASSEMBLY["opens"]}, duration, TWO_HOURS),
    ("refusal/closes_before_opening", {}, duration, TWO_HOURS),
    ("ask_assembly_quorum", OPENS_CLOSES, quorum, QUORUMS),
    ("refusal/bad_quorum", {"text": "150%"}, quorum, QUORUMS),
    ("ask_assembly_repeat", {}, repeat, REPEATS),
    (
        "refusal/bad_repeat",
        {"text": "x"},
        repeat,
        {
            "en": ["every 2 weeks", "every week", "no"],
            "es": ["cada 2 semanas", "cada semana", "no"],
            "ca": ["cada 2 setmanes", "cada setmana", "no"],
        },
    ),
    ("ask_assembly_secret", {}, yes_no, YES_NO),
    ("ask_assembly_binding", {}, yes_no, YES_NO),
    ("ask_assembly_budget", {}, yes_no, YES_NO),
    ("ask_assembly_remote", {}, remote, WEIGHTS),
    ("refusal/bad_remote_weight", {"text": "150%"}, remote, WEIGHTS),
    ("assembly_summary", {"summary": SUMMARY}, yes_no, YES_NO),
    ("refusal/bad_yes_no", {"text": "x"}, yes_no, YES_NO),
    (
        "ask_motion",
        {"count": 0},
        raises_the_threshold,
        {
            "en": ["two-thirds", "consensus"],
            "es": ["dos tercios", "consenso"],
            "ca": ["dos terços", "consens"],
        },
    ),
    (
        "ask_motion",
        {"count": 0},
        needs_consensus,
        {
            "en": ["Adopt the charter — consensus"],
            "es": ["Aprobar los estatutos — consenso"],
            "ca": ["Aprovar els estatuts — consens"],
        },
    ),
    ("ask_motion", {"count": 0}, done, DONE),
    ("ask_motion", {"count": 2}, done, DONE),
    ("motion_noted", {"count": 1}, done, DONE),
    ("refusal/no_motions", {}, done, DONE),
    (
        "refusal/bad_choice",
        {"text": "x"},
        choice,
        {
            "en": ["yes", "no", "abstain"],
            "es": ["sí", "no", "abstención"],
            "ca": ["sí", "no", "abstenció"],
        },
    ),
    (
        "refusal/bad_threshold",
        {"text": "x"},
        threshold,
        {
            "en": ["majority", "two-thirds", "consensus"],
            "es": ["mayoría", "dos-tercios", "consenso"],
            "ca": ["majoria", "dos-terços", "consens"],
        },
    ),
]


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize(
    ("template", "context", "reads", "words"),
    [pytest.param(*row, id=f"{row[0]}-{index}") for index, row in enumerate(SUGGESTIONS)],
)
def test_suggested_answers_are_accepted(
    template: str, context: dict[str, Any], reads: Reads, words: dict[str, list[str]], locale: str
) -> None:
    """A prompt that says "e.g. cada 2 semanas" or "escribe listo" is taken at its word."""
    text = render(template, locale, {**BASE, **context})
    for word in words[locale]:
        assert word in text, f"{template} ({locale}) no longer suggests {word!r}: {text!r}"
        assert reads(word, locale), f"{template} ({locale}) suggests {word!r}, which is refused"


# --- rendering --------------------------------------------------------------------------


def test_every_template_has_a_sample_context() -> None:
    assert sorted(SAMPLES) == template_names()


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize(
    ("template", "index", "context"),
    [pytest.param(t, i, c, id=f"{t}-{i}") for t, i, c in samples()],
)
def test_template_renders(template: str, index: int, context: dict[str, Any], locale: str) -> None:
    text = render(template, locale, context)
    assert text.strip()
    html = render(template, locale, context, html=True)
    assert html.strip()


class Recording:
    """Passes the real catalog's answers through, noting which msgids were asked for.

    Only gettext and ngettext: Jinja prefers ugettext/ungettext where they exist."""

    def __init__(self, real: NullTranslations, seen: set[str]) -> None:
        self.real, self.seen = real, seen

    def gettext(self, message: str) -> str:
        self.seen.add(message)
        return self.real.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.seen.add(singular)
        return self.real.ngettext(singular, plural, n)


def test_the_samples_render_every_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """So the rendering test above puts every translation through Jinja, in every language."""
    seen: set[str] = set()
    real = rendering.translations
    monkeypatch.setattr(rendering, "translations", lambda locale: Recording(real(locale), seen))
    env = rendering.environment.__wrapped__("es")  # uncached: sees the recorder
    for template, _index, context in samples():
        env.get_template(f"{template}.j2").render(**context, locale="es")
    missing = set(ids(read_catalog(POT))) - seen
    assert sorted(missing) == [], "add a sample context that shows these messages"


@pytest.mark.parametrize(
    ("locale", "amount", "words"),
    [
        ("en", "€300.00", ["Only", "remains on bond #1", "/pledge 1 300.00"]),
        ("es", "300,00\u00a0€", ["solo le quedan", "bono #1", "/pledge 1 300,00"]),
        ("ca", "300,00\u00a0€", ["només li queden", "bo #1", "/pledge 1 300,00"]),
    ],
)
def test_a_reader_sees_their_language_and_their_amounts(
    locale: str, amount: str, words: list[str]
) -> None:
    text = render(
        "refusal/pledge_exceeds_remaining", locale, {**BASE, "number": 1, "remaining": 30000}
    )
    assert amount in text
    for word in words:
        assert word in text


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_forms_follow_the_count(locale: str) -> None:
    one = render("bonds", locale, {**BASE, "issues": [{**OPEN_ISSUE, "days_left": 1}]})
    many = render("bonds", locale, {**BASE, "issues": [OPEN_ISSUE]})
    assert {"es": "queda 1 día", "ca": "queda 1 dia"}[locale] in one
    assert {"es": "quedan 12 días", "ca": "queden 12 dies"}[locale] in many


@pytest.mark.parametrize("name", HELP_NAMES)
def test_every_command_has_a_translated_usage_line_and_description(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command missing from _usage.j2 or help_command.j2 would show up untranslated."""
    seen: set[str] = set()
    real = rendering.translations
    monkeypatch.setattr(rendering, "translations", lambda locale: Recording(real(locale), seen))
    env = rendering.environment.__wrapped__("es")  # uncached: sees the recorder
    context = {**BASE, "name": name, "role": COMMANDS[name].role, "locale": "es"}
    env.get_template("help_command.j2").render(**context)
    assert len(seen & set(usage_lines())) == 1, f"no line for /{name} in templates/_usage.j2"
    assert len(seen - set(usage_lines())) == 1, f"no description of /{name} in help_command.j2"


@pytest.mark.parametrize(
    ("locale", "lines"),
    [
        ("en", ["/pledge <issue> <amount>", "/lang en|es|ca", "/statement [YYYY-MM]"]),
        (
            "es",
            [
                "/pledge <bono> <importe>",
                "/propose <bien> <precio> <alquiler al mes> <plazo AAAA-MM-DD>",
                "/role <miembro> admin|tesorería|miembro",
                "/help [comando]",
            ],
        ),
        (
            "ca",
            [
                "/pledge <bo> <import>",
                "/role <membre> admin|tresoreria|membre",
                "/setup <nom> <moneda>",
            ],
        ),
    ],
)
def test_help_shows_usage_lines_in_the_readers_language(locale: str, lines: list[str]) -> None:
    text = render("help", locale, {**BASE, "commands": HELP_NAMES, "is_member": True})
    for line in lines:
        assert line in text


def test_a_usage_refusal_shows_the_translated_usage_line() -> None:
    context = {**BASE, "command": "pledge", "example": "/pledge 1 500"}
    assert render("refusal/usage", "es", context) == (
        "Se usa así: /pledge <bono> <importe> — por ejemplo /pledge 1 500"
    )


PLEDGE_HTML = "/pledge &lt;bono&gt; &lt;importe&gt;"


@pytest.mark.parametrize(
    ("template", "context", "escaped"),
    [
        ("help_command", {"name": "pledge", "role": "member"}, PLEDGE_HTML),
        ("help", {"commands": ["pledge"], "is_member": True}, PLEDGE_HTML),
        (
            "refusal/usage",
            {"command": "rent", "example": "/rent 1 333,33"},
            "Se usa así: /rent &lt;bono&gt; &lt;importe&gt;",
        ),
    ],
)
def test_html_escapes_the_angle_brackets_of_usage_lines(
    template: str, context: dict[str, Any], escaped: str
) -> None:
    html = render(template, "es", {**BASE, **context}, html=True)
    assert escaped in html
    assert "<" not in html and ">" not in html


# --- end to end ---------------------------------------------------------------------------


def test_a_member_reads_spanish_while_the_group_keeps_the_communes_language(chat) -> None:
    chat.script(
        """
        :now 2026-12-01T09:00:00Z
        :admin ana group
        ana@group: /setup Terra EUR Europe/Madrid
        ana@group: /coop new Tierra
        ana@group: /join Tierra
        ben@group: /join Tierra
        """
    )
    assert chat.say("ben@group: /lang es") == [
        "[group] Idioma cambiado: ahora te hablo en español."
    ]

    # /help lists the commands with their placeholders in Spanish; what is typed stays.
    helped = chat.say("ben@group: /help")
    assert helped[0] == "[group] Esto es lo que puedes hacer aquí:"
    assert "[group] /pledge <bono> <importe>" in helped
    assert "[group] /statement [AAAA-MM]" in helped  # the format in Spanish letters
    assert chat.say("ben@group: /help pledge")[0] == "[group] /pledge <bono> <importe>"

    # A proposal is announced to the whole group: in the commune's language.
    # ben writes amounts the Spanish way ("333.33" could be 333.330 there: refused).
    announced = chat.say("ben@group: /propose Tractor 1000 333,33 2026-12-31")
    assert announced[0] == "[group] 🏗 Bond #1 — Tractor for Tierra"
    assert "Price €1,000.00 · rent €333.33/month" in announced[1]

    # ben's own answers are Spanish, amounts too, even in the group chat...
    bonds = chat.say("ben@group: /bonds")
    assert bonds[0] == "[group] 🏗 Bono #1 — Tractor para Tierra"
    assert "0,00\u00a0€ de 1.000,00\u00a0€ (0%)" in bonds[1]
    assert "quedan 30 días" in bonds[1]
    assert bonds[2] == "[group] Aporta con /pledge <bono> <importe>"
    # ...and he types amounts the Spanish way; the group is told in its own language.
    assert chat.say("ben@group: /pledge 1 250,50")[0] == (
        "[group] ✋ ben pledged €250.50 to bond #1."
    )
    refused = chat.say("ben@group: /pledge 1 2000")
    assert refused == [
        "[group] Al bono #1 solo le quedan 749,50\u00a0€. "
        "Aporta hasta esa cantidad: /pledge 1 749,50"
    ]

    # Everyone else still reads English.
    assert chat.say("ana@group: /bonds")[0] == "[group] 🏗 Bond #1 — Tractor for Tierra"
    cleared = chat.say("ana@group: /pledge 1 749.50")
    assert cleared[0] == "[group] ✋ ana pledged €749.50 to bond #1."

    # The bond clears: the group hears it in English, each holder by DM in their own language.
    assert any(line.startswith("[group] ✅ Bond #1 cleared: €1,000.00") for line in cleared)
    assert any(
        line.startswith("[dm ben] 🎉 Bono #1 (Tractor) completado. Tienes 250,50\u00a0€")
        for line in cleared
    )
    assert any(line.startswith("[dm ana] 🎉 Bond #1 (Tractor) cleared.") for line in cleared)


def test_an_assembly_in_spanish_set_up_and_voted_with_the_words_the_prompts_suggest(
    chat,
) -> None:
    chat.script(
        """
        :now 2027-01-25T09:00:00Z
        :admin ana group
        ana@group: /setup Terra EUR Europe/Madrid
        ben@group: /join
        cai@group: /join
        ana@group: /lang es
        ben@group: /lang es
        """
    )
    assert chat.say("ben@group: /assemblies") == [
        "[group] Aún no hay asambleas. Quien administra puede convocar una con /assembly"
    ]
    assert chat.say("ben@group: /vote 1 sí") == [
        "[group] No existe la moción 1. En /assemblies tienes las asambleas, y en "
        "/assembly <número>, sus mociones."
    ]

    # ana answers the form with the examples it gives, in Spanish.
    assert chat.say("ana@group: /assembly")[1] == (
        "[group] ¿Cómo se llama la asamblea? p. ej. Asamblea de primavera"
    )
    chat.say(
        "ana@group: Asamblea de primavera",
        "ana@group: jueves a las 18:00",
        "ana@group: 2h",
        "ana@group: ninguno",
        "ana@group: cada 2 semanas",
    )
    assert chat.say("ana@group: quizás") == [
        "[group] Responde sí o no, por favor.",
        "[group] ¿Voto secreto (se vota por mensaje privado y solo se publican los recuentos)? "
        "sí o no",
    ]
    chat.say(
        "ana@group: no",
        "ana@group: no",
        "ana@group: 100%",
        "ana@group: Comprar un tractor",
        "ana@group: Aprobar los estatutos — consenso",
    )
    assert chat.say("ana@group: listo") == [
        "[group] 🗳 Asamblea de primavera",
        "[group] Votación: del jue, 28 ene 2027, 18:00 al jue, 28 ene 2027, 20:00",
        "[group] Sin quórum · se repite cada 2 semanas",
        "[group] 1. Comprar un tractor — mayoría",
        "[group] 2. Aprobar los estatutos — consenso",
        "[group] ¿Está bien? sí para convocarla, no para descartarla.",
    ]
    # The group is told in the commune's language.
    assert chat.say("ana@group: sí")[0] == "[group] 🗳 Assembly #1: Asamblea de primavera"

    assert chat.say("ben@group: /vote 1 sí") == [
        "[group] La votación de Asamblea de primavera se abre el jue, 28 ene 2027, 18:00. "
        "Vota entonces."
    ]
    opened = chat.say(":now 2027-01-28T17:00:00Z")
    assert "[group] Voting is open: /vote 1 yes · /vote 1 no · /vote 1 abstain" in opened
    # ben votes in his words; the group hears it in its own.
    assert chat.say("ben@group: /vote 1 sí") == ["[group] 🗳 ben voted on motion 1: in favour."]
    assert chat.say("ben@group: /vote 2 quizás") == [
        "[group] «quizás» no es un voto. Vota sí, no o abstención, p. ej. /vote 1 sí"
    ]
    assert chat.say("ben@group: /vote 2 abstención") == [
        "[group] 🗳 ben voted on motion 2: abstains."
    ]
    assert chat.say("ben@group: /help vote")[0] == "[group] /vote <moción> sí|no|abstención"
