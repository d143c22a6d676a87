"""Documented cross-feature signals (blinker). A feature announces what happened here; whoever
cares subscribes in its `init_app` (the app factory calls it). Senders never import subscribers, so
adding a notification, a digest or a statistic never means editing the feature that sends.

Every signal is sent inside the transaction that made the change, before the commit: a subscriber
writes rows in that transaction and defers side effects (mail, jobs) until after the commit.

- state_changed(obj, workflow, action, old, new, by, reason): any workflow transition
  (core.state.Workflow.apply), after the audit row is written. Subscribers: notifications (offerings'
  moderation), subscriptions (a notice or an event published reaches its followers).
- platform_submitted(platform, by): an operator submitted a platform for review.
- platform_reviewed(platform, action, reason, by): an administrator approved, returned, rejected,
  suspended or reinstated a platform. Subscribers: notifications (operators of the platform).
- demand_contacted(demand, platform, by): a demand's confidential part opened to a platform (an
  inquiry the firm confirmed). The inquiry itself tells the platform (signals.notice); no subscriber yet.
- demand_matched(demand, matches): a demand was matched against the whole catalogue (the subscriptions'
  push, as demands and offerings change). Subscribers: coverage (keeps its best match).
- notice(sender, users, message, link, email=True, category="service"): a feature tells these users
  something (booking, inquiry, proposal and message events: the feature knows who the other side is and
  what to say; subscriptions' pushes, category "subscription", with email=False: they mail their own
  way, at once or in digests). Subscribers: notifications (in the app, and by mail unless email=False).
"""

from blinker import Namespace

_signals = Namespace()

state_changed = _signals.signal("state-changed")
platform_submitted = _signals.signal("platform-submitted")
platform_reviewed = _signals.signal("platform-reviewed")
demand_contacted = _signals.signal("demand-contacted")
notice = _signals.signal("notice")
demand_matched = _signals.signal("demand-matched")
