def build_model(config):
    return config
