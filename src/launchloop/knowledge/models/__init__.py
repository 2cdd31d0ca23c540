"""SQLAlchemy models of the knowledge base; importing this registers every table."""

from launchloop.knowledge.models.action import Action, action_insights
from launchloop.knowledge.models.base import Base, utcnow
from launchloop.knowledge.models.closing import (
    AuthorMessage,
    AuthorOptOut,
    ChangeNotice,
    ClosingSettings,
    FeedbackTriage,
    InboxVisit,
)
from launchloop.knowledge.models.comment import Comment
from launchloop.knowledge.models.experiment import Experiment, ExperimentAnalysis
from launchloop.knowledge.models.feedback import FeedbackItem, Theme
from launchloop.knowledge.models.history import Change
from launchloop.knowledge.models.insight import Evidence, Insight, InsightTag, insight_teams
from launchloop.knowledge.models.item_vector import ItemVector
from launchloop.knowledge.models.launch import Kpi, Launch
from launchloop.knowledge.models.learning import Learning
from launchloop.knowledge.models.project import ApiToken, Project
from launchloop.knowledge.models.ritual import RitualDecision
from launchloop.knowledge.models.routing import Delivery, NotificationPreference, Subscription
from launchloop.knowledge.models.signal import Signal
from launchloop.knowledge.models.team import DecisionRule, Member, Team
from launchloop.knowledge.models.user import User

__all__ = [
    "Action",
    "ApiToken",
    "AuthorMessage",
    "AuthorOptOut",
    "Base",
    "Change",
    "ChangeNotice",
    "ClosingSettings",
    "Comment",
    "DecisionRule",
    "Delivery",
    "Evidence",
    "Experiment",
    "ExperimentAnalysis",
    "FeedbackItem",
    "FeedbackTriage",
    "InboxVisit",
    "Insight",
    "InsightTag",
    "ItemVector",
    "Kpi",
    "Launch",
    "Learning",
    "Member",
    "NotificationPreference",
    "Project",
    "RitualDecision",
    "Signal",
    "Subscription",
    "Team",
    "Theme",
    "User",
    "action_insights",
    "insight_teams",
    "utcnow",
]
