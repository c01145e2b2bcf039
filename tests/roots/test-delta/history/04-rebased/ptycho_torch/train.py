def main(config, epochs=20, seed=0):
    pass
