"""Jiceng (基层): one system of record for grassroots organizations."""
