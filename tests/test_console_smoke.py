"""The console harness itself: a setup answers in the group."""


def test_setup_answers_in_the_group(chat) -> None:
    out = chat.script(":now 2026-12-01T09:00:00Z\n:admin ana group\nana@group: /setup Terra EUR")
    assert out[0].startswith("[group] 🌱 Terra is set up")
