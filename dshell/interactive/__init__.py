"""The interactive prompt: the only users of prompt-toolkit."""
