"""The loop in motion (issue 9): team feeds, subscriptions, notifications, rituals."""
