"""Repositories: each maps one part of the domain to rows, set-based where it is hot."""
