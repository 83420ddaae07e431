"""Video and audio models: sound becomes spectrogram frames, video becomes space-time patch tokens.

Whisper reads audio as a spectrogram: 25 ms windows every 10 ms, each turned
into energies per frequency, so a tone shows up as a bright line at its own
frequency bin. Video transformers cut a clip into tubelets (a few frames by a
patch) and embed each with a strided 3-D convolution. Both set the token count,
which is the main cost of these models.
"""

import torch
import torch.nn as nn

from demos.harness import Demo

CONCEPTS = ["video-audio-models"]

RATE, N_FFT, HOP = 16_000, 400, 160  # Whisper: 25 ms windows, 10 ms hop, 40 Hz per bin


def tone(demo: Demo, hz: float, seconds: float = 1.0) -> torch.Tensor:
    t = torch.arange(int(RATE * seconds), dtype=torch.float64, device=demo.device) / RATE
    return torch.sin(2 * torch.pi * hz * t)


def power(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    spec = torch.stft(x, N_FFT, HOP, window=window, return_complex=True)
    return spec.abs() ** 2  # (frequency bins, frames)


def run(demo: Demo) -> None:
    hann = torch.hann_window(N_FFT, dtype=torch.float64, device=demo.device)
    spec = power(tone(demo, 440.0), hann)
    # One second: 1 + 16000 / 160 = 101 frames of 400 / 2 + 1 = 201 bins.
    demo.equal("1 s of audio gives 201 bins x 101 frames", spec.shape, (201, 101))
    # 440 Hz / 40 Hz per bin = bin 11, in every frame but the two whose windows hang
    # over the padded ends of the clip.
    demo.equal(
        "every inner frame peaks at bin 440 / 40 = 11",
        spec[:, 1:-1].argmax(0),
        torch.full((99,), 11, device=demo.device),
    )

    # A tone between bins (460 Hz = bin 11.5): the Hann window keeps its energy
    # within two bins of the peak, instead of smearing it across the spectrum.
    def near_peak(spec: torch.Tensor) -> torch.Tensor:
        inner = spec[:, 5:-5]  # frames away from the padded edges
        return inner[9:15].sum() / inner.sum()

    tapered = demo.at_least(
        "Hann window: energy within bins 9-14 for 460 Hz",
        near_peak(power(tone(demo, 460.0), hann)),
        0.999,
    )
    # A rectangular window (no taper) leaks energy far from the peak.
    rect = torch.ones(N_FFT, dtype=torch.float64, device=demo.device)
    tapered.broken(
        "a rectangular window does not keep it there", near_peak(power(tone(demo, 460.0), rect))
    )

    # Whisper's encoder input: 30 s is 3000 frames of 80 mel bins; a stride-2 conv halves
    # that to 1500 positions, the encoder's fixed context.
    torch.manual_seed(0)
    stem = nn.Sequential(
        nn.Conv1d(80, 16, 3, padding=1), nn.GELU(), nn.Conv1d(16, 16, 3, stride=2, padding=1)
    ).to(demo.device)
    demo.equal(
        "30 s -> 3000 mel frames -> 1500 encoder positions",
        stem(demo.randn(1, 80, 3000, seed=1)).shape[-1],
        1500,
    )

    # Video: a 16-frame 32x32 clip in 2x8x8 tubelets gives 8 * 4 * 4 = 128 tokens,
    # half the 16 * 16 = 256 of patching each frame on its own.
    clip = demo.randn(1, 3, 16, 32, 32, seed=2)
    torch.manual_seed(1)
    conv = nn.Conv3d(3, 24, kernel_size=(2, 8, 8), stride=(2, 8, 8)).to(demo.device)
    tokens = conv(clip).flatten(2).transpose(1, 2)
    demo.equal("tubelet tokens for a 16x32x32 clip", tokens.shape, (1, 128, 24))
    # The strided 3-D conv is exactly: cut tubelets, flatten, apply one linear map.
    tubes = (
        clip.reshape(1, 3, 8, 2, 4, 8, 4, 8).permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(1, 128, 384)
    )
    linear = tubes @ conv.weight.reshape(24, 384).T + conv.bias
    # On a GPU the runner turns TF32 off, but cuDNN may pick a Conv3d algorithm that sums
    # the 384 terms (N(0, 1) x U(+-0.05), outputs of size ~0.6) in blocks or through a
    # transform: float32 errors up to ~1e-4 relative, so 2e-3 there leaves room (untested).
    tubelet = demo.close(
        "Conv3d with stride = kernel equals tubelets + linear",
        tokens,
        linear,
        atol=2e-3 if demo.on_gpu else 1e-5,
    )
    # Cutting the clip in the wrong order (height and width swapped inside each patch)
    # gives tokens of the same shape that no longer match.
    swapped = (
        clip.reshape(1, 3, 8, 2, 4, 8, 4, 8).permute(0, 2, 4, 6, 1, 3, 7, 5).reshape(1, 128, 384)
    )
    tubelet.broken(
        "tubelets flattened with height and width swapped do not",
        swapped @ conv.weight.reshape(24, 384).T + conv.bias,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget the analysis window",
        "torch.stft(x, N_FFT, HOP, window=window, return_complex=True)",
        "torch.stft(x, N_FFT, HOP, window=torch.ones_like(window), return_complex=True)",
    ),
    (
        "patch each frame on its own (no temporal tubelet)",
        "stride=(2, 8, 8)",
        "stride=(1, 8, 8)",
    ),
    (
        "no downsampling in Whisper's stem",
        "nn.Conv1d(16, 16, 3, stride=2, padding=1)",
        "nn.Conv1d(16, 16, 3, stride=1, padding=1)",
    ),
]
