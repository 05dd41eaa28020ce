"""The Telegram adapter: the commune in a Telegram group, private messages by DM.

- ``adapter``: long polling (or a webhook) into the inbox, processing from it,
  ``setMyCommands``; started by ``minga run`` when a token is configured.
- ``delivery``: the outbox to Telegram within its limits, 403s and deep links.
- ``live``: batched edits of the live bond messages.
- ``updates``: a Telegram update as what the handlers understand.
- ``webhook``: webhook mode, each update committed before Telegram's 200.
- ``client``: python-telegram-bot's Bot, behind its rate limiter at our limits.
- ``deeplinks``: groups told which members must open the bot's private chat.
- ``keyboards``: inline buttons and their callback data.
- ``formatting``: HTML parts under Telegram's 4096-character limit.
- ``limits``: 30 messages/s overall, 1/s per chat, 20/min per group.
- ``settings``: the token and the rest, from MINGA_TELEGRAM_* or minga.toml.
"""
