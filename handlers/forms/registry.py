"""Every step-by-step form, by the command that starts it: the one list to add a form to."""

from __future__ import annotations

from handlers.forms.assembly import ASSEMBLY
from handlers.forms.model import Form
from handlers.forms.propose import PROPOSE
from handlers.forms.setup import SETUP

FORMS: dict[str, Form] = {form.name: form for form in (SETUP, PROPOSE, ASSEMBLY)}


def quick_answers() -> dict[str, tuple[str, ...]]:
    """Answers worth a button, by the template that asks for them (for adapters that
    offer buttons: each stands for the word someone could have typed)."""
    return {
        template: quick
        for form in FORMS.values()
        for template, quick in form.quick_answers().items()
    }
