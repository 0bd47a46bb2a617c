"""APScheduler inside ``feedbackbot run``: posts the roadmap reminders kept in the database."""
