"""Perception: video and audio turned into a timestamped language log (Socratic Models).

- ``decode``: streaming PyAV decoding, probing, 16 kHz audio, content hashes.
- ``sampling``: base-rate + scene-change frame sampling with a per-minute cap.
- ``base`` / ``registry``: backend interfaces and the backends by name (``available_models()``).
- ``tagger`` (EfficientNet-Lite0, offline), ``clip``, ``captioner``, ``speech``, ``ocr``.
- ``log``: the resumable video-log indexer; ``qa``: hybrid search and answers with timestamps.

Nothing here imports an agent framework; heavy libraries load inside the backends.
"""
