"""Intake: leaflets from PDF, Word, web pages and Markdown, and references from lists and exports."""
