"""Assemblies, their motions, voters, votes and the commune's delegations.

One repository (``uow.assemblies``, the ``Assemblies`` port) in parts by job: the
assemblies, their due steps, motions and results (``meetings``); voters, presence,
votes and delegations (``ballots``).
"""

from __future__ import annotations

from storage.repositories.assemblies.ballots import Ballots
from storage.repositories.assemblies.meetings import AssembliesAndMotions


class AssemblyRepository(AssembliesAndMotions, Ballots):
    """``domain.ports.Assemblies``: each part runs on the unit of work's session."""
