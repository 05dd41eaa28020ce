"""Communes, the chats bound to them, people, accounts, cooperatives and members.

One repository (``uow.communes``, the ``Communes`` port) in parts by job: communes
and their chats (``chats``), people, their accounts and contacts (``people``), the
cooperatives and members (``members``).
"""

from __future__ import annotations

from storage.repositories.communes.chats import CommunesAndChats
from storage.repositories.communes.members import Members
from storage.repositories.communes.people import People


class CommuneRepository(CommunesAndChats, People, Members):
    """``domain.ports.Communes``: each part runs on the unit of work's session."""
