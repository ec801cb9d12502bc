"""Meetings, mode rotation, agenda items, decisions and calendars."""
