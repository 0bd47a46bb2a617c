"""The feedbackbot core: items, votes, statuses, their rules, the use cases and the ports.

Nothing in this package imports a chat platform library or a database library.
"""
