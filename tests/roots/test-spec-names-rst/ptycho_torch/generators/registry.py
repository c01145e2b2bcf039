def resolve_generator(name):
    return name
