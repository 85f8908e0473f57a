"""Member communications: campaigns, notifications, delivery records, unsubscribe."""
