def main(config, epochs=10):
    pass
