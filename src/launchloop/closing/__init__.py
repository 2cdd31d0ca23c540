"""Closing the loop with users (issue 11): tell feedback authors what changed because of them."""
