"""Answers to things people read: tables, plots, the HTML and Markdown report, and files written whole."""
