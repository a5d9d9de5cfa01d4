"""The Conv1d/CTC benchmark in its tiny setting: it runs, and both frameworks agree on the loss."""
import pytest


@pytest.mark.slow
@pytest.mark.parity
def test_tiny_audio_benchmark_runs(torch, capsys):
    from benchmarks import audio

    rows = audio.main(["--tiny", "--repeats", "1"])
    assert [r["name"].split()[0] for r in rows] == ["Conv1d", "CTC"]
    assert all(r["minigrad_ms"] > 0 and r["torch_ms"] > 0 for r in rows)
    assert "minigrad / PyTorch" in capsys.readouterr().out
