"""Platform-neutral commands, conversations and jobs: the service layer.

Adapters turn platform updates into ``Incoming`` messages and deliver the outbox;
everything in between (who may do what, what to reply, what to record) is here,
written once for the console, Telegram and Matrix alike.
"""
