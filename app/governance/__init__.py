"""Governance structure: plans, bodies, memberships, structure and the governance check."""
