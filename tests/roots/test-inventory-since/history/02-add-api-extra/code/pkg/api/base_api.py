"""Public API."""

class BaseAPI:
    pass
