"""Video service fixtures: the real test media of tests/perception (built once per session)."""

from tests.perception.conftest import day_video, media_dir, silent_video, speech_clip, story_video

__all__ = ["day_video", "media_dir", "silent_video", "speech_clip", "story_video"]
