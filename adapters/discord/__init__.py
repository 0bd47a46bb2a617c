"""Discord: application commands, a modal and reactions on discord.py, translated to core calls."""
