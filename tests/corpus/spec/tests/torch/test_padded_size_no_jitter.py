"""Regression: the padded size must not grow with position jitter disabled."""

from ptycho import params


class TestPaddedSize:
    def test_no_jitter(self) -> None:
        params.set("max_position_jitter", 0)
        assert params.get_padded_size() == params.get_bigN()
