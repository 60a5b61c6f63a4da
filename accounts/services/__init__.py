"""Writes of accounts, by topic: signup (accounts, invites), tokens (API keys), profile (settings,
password), deletion (an account with everything in it). Import from the sub-module."""
