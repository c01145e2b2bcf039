def extra():
    pass
