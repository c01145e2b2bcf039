class BaseAPI:
    pass
