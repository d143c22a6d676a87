"""In-app notifications and outgoing mail, fed by the features' signals."""
