"""Renderers: each turns engine records into text and never prints."""
