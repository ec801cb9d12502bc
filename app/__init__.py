"""Samstyre: the governance backend for Danish social-housing partnerships."""
