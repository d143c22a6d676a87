"""Documented cross-feature signals (blinker). Senders never import their subscribers.

- platform_reviewed(platform, action, reason): an administrator approved, returned, rejected,
  suspended or reinstated a platform. Subscribers: notifications.
"""

from blinker import Namespace

_signals = Namespace()

platform_reviewed = _signals.signal("platform-reviewed")
