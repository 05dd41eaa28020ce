"""Durable state: SQLModel tables, the unit of work, repositories, migrations."""
