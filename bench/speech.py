"""Speech recognition benchmark: word error rate of the offline faster-whisper model on the
video Q&A bench's composed days, greedy (beam 1) against beam search (beam 5, whisper's own
default), with the seconds of audio transcribed per second. Prints ONE JSON line.

The reference is each day's narration as written in ``bench/video_qa.py`` (espeak-ng reads it
into the video); the hypothesis is what the model transcribes from the whole soundtrack, as
``sokrat index`` does (Silero VAD on, word timestamps, no conditioning on earlier text). Both
are lower-cased, stripped of punctuation and compared word by word with jiwer. Numbers are not
normalised ("forty" against "40" is an error for both settings alike). Days whose video is not
built yet are built first (``bench/video_qa.py``'s composer).

Usage: ``.venv/bin/python bench/speech.py [--splits dev,heldout] [--save]``
"""

from __future__ import annotations

import argparse
import time

import jiwer
import numpy as np
from _report import emit
from video_qa import SPLITS, build

BEAMS = (1, 5)
_CLEAN = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                        jiwer.ReduceToListOfListOfWords()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", default=",".join(SPLITS), help="video_qa splits whose days to transcribe")
    parser.add_argument("--save", action="store_true", help="write bench/results/speech.json")
    args = parser.parse_args()

    from faster_whisper import decode_audio

    from sokrat.perception.registry import load_backend
    from sokrat.settings import Settings

    settings = Settings()
    recognizer = load_backend("faster-whisper", settings)
    model = recognizer._load()  # the same CTranslate2 model `sokrat index` loads
    cache = settings.cache_dir / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    days = [d for split in args.splits.split(",") for d in SPLITS[split]]
    refs: list[str] = []
    hyps: dict[int, list[str]] = {b: [] for b in BEAMS}
    seconds: dict[int, float] = dict.fromkeys(BEAMS, 0.0)
    audio_s = 0.0
    for day in days:
        audio = decode_audio(str(build(day, cache)))
        audio_s += len(audio) / 16000
        refs.append(" ".join(n.text for n in day.narration))
        for beam in BEAMS:
            t0 = time.perf_counter()
            segments, _ = model.transcribe(np.asarray(audio), language="en", beam_size=beam, vad_filter=True,
                                           condition_on_previous_text=False, word_timestamps=True)
            hyps[beam].append(" ".join(s.text.strip() for s in segments))
            seconds[beam] += time.perf_counter() - t0
    wer = {b: jiwer.wer(refs, hyps[b], reference_transform=_CLEAN, hypothesis_transform=_CLEAN) for b in BEAMS}
    figures = {
        "days": len(days), "audio_s": round(audio_s, 1), "model": recognizer.model_id,
        **{f"wer_beam{b}": round(wer[b], 4) for b in BEAMS},
        **{f"x_realtime_beam{b}": round(audio_s / seconds[b], 1) for b in BEAMS},
    }
    summary = (f"speech ({recognizer.model_id}) on {len(days)} composed days ({audio_s:.0f} s of "
                          f"soundtrack, espeak-ng narration): word error rate greedy {wer[1]:.1%} vs beam 5 "
                          f"{wer[5]:.1%}; {figures['x_realtime_beam1']}x / {figures['x_realtime_beam5']}x real time")
    emit("speech", figures, save=args.save, summary=summary)


if __name__ == "__main__":
    main()
