"""The directory: organizations and contacts."""
