"""Curricula, lessons, activities: built by the content issue."""
