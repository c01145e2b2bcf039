"""The PtychoPINN network: a U-Net-like autoencoder followed by a differentiable forward model."""

import tensorflow as tf

from ptycho import params


class ProbeIllumination(tf.keras.layers.Layer):
    """Multiply object patches by the (optionally trainable) probe."""

    def __init__(self, probe: tf.Tensor, trainable: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.probe = tf.Variable(probe, trainable=trainable, name="probe")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        return inputs * self.probe


def conv_block(x: tf.Tensor, filters: int, activation: str = "relu") -> tf.Tensor:
    """Two 3x3 convolutions followed by 2x2 max pooling."""
    x = tf.keras.layers.Conv2D(filters, 3, padding="same", activation=activation)(x)
    x = tf.keras.layers.Conv2D(filters, 3, padding="same", activation=activation)(x)
    return tf.keras.layers.MaxPool2D(2)(x)


def create_model_with_gridsize(gridsize: int, N: int) -> tf.keras.Model:
    """Build the autoencoder for ``gridsize**2`` diffraction patterns of ``N x N`` pixels."""
    inputs = tf.keras.Input(shape=(N, N, gridsize**2), name="diffraction")
    x = inputs
    for level in range(3):
        x = conv_block(x, 32 * params.get("n_filters_scale") * 2**level)
    amplitude = tf.keras.layers.Conv2DTranspose(gridsize**2, 3, strides=8, padding="same")(x)
    phase = tf.keras.layers.Conv2DTranspose(gridsize**2, 3, strides=8, padding="same")(x)
    obj = tf.complex(amplitude, tf.zeros_like(amplitude)) * tf.exp(tf.complex(0.0, phase))
    return tf.keras.Model(inputs=inputs, outputs=obj, name="ptychopinn")


def train(model: tf.keras.Model, X: tf.Tensor, Y: tf.Tensor, nepochs: int = 50):
    """Fit with the negative log-likelihood loss; return the Keras history."""
    model.compile(optimizer="adam", loss="poisson")
    return model.fit(X, Y, epochs=nepochs, batch_size=params.get("batch_size"))
