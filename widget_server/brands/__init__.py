"""Brands (tenants) and the people who sign in for them."""
