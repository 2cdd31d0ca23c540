"""Feedback items: language, sentiment, themes and irritants (issue 6)."""
