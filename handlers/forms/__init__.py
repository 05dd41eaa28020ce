"""Step-by-step forms: every multi-step conversation, on one engine.

A form is data (``model.Form``: its questions, the check that reads each answer,
perhaps a repeated question and a summary to confirm); ``registry.FORMS`` lists them;
``engine`` runs them. The dispatcher and the chat adapters know only the engine.
"""
