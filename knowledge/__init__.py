"""Erfarenhetsbanken: the domain package (cases, taxonomy, search, users) and its web layer."""
