"""The knowledge base: projects, launches, KPIs, signals, insights, actions, learnings."""
