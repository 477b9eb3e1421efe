"""Messages to buyers and vendors: one `notify()` and its channels (e-mail, in-app, SMS, 알림톡)."""
