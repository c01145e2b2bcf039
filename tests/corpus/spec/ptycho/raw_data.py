"""Raw diffraction data as read from NPZ files."""

from __future__ import annotations


class RawData:
    """Coordinates, diffraction patterns, probe and object of one scan."""

    def __init__(
        self,
        xcoords: object,
        ycoords: object,
        diff3d: object,
        probeGuess: object,
        scan_index: object,
        objectGuess: object | None = None,
    ) -> None:
        self.xcoords = xcoords
        self.ycoords = ycoords
        self.diff3d = diff3d
        self.probeGuess = probeGuess
        self.scan_index = scan_index
        self.objectGuess = objectGuess

    @staticmethod
    def from_file(train_data_file_path: str) -> RawData:
        """Load a scan from an NPZ file."""
        raise NotImplementedError(train_data_file_path)

    def generate_grouped_data(self, N: int, K: int = 4, nsamples: int = 1) -> dict[str, object]:
        """Group neighbouring scan points into solution regions."""
        return {"N": N, "K": K, "nsamples": nsamples}
