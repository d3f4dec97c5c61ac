"""Process settings: one typed class, read from the environment (prefix ``SOKRAT_``).

``REDIS_URL`` and ``SOKRAT_LLM_BASE_URL`` are honoured as written. Read settings through
:func:`get_settings`; nothing is built at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a Sokrat process can be configured with."""

    model_config = SettingsConfigDict(env_prefix="SOKRAT_", extra="ignore", populate_by_name=True)

    # --- infrastructure -------------------------------------------------------------
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "SOKRAT_REDIS_URL"),
        description="External Redis 8 / Redis Stack. Unset: start the embedded server.",
    )
    data_dir: Path = Field(
        default_factory=lambda: platformdirs.user_data_path("sokrat"),
        description="Embedded Redis data, uploaded media.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "sokrat",
        description="Model conversions (GGUF -> safetensors) and other derived files.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="`auto` picks CUDA when torch sees a GPU, else CPU."
    )

    # --- planner LLM ----------------------------------------------------------------
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server (vLLM, llama.cpp, Ollama, hosted). Set: use HTTP.",
    )
    llm_api_key: str | None = None
    llm_model: str | None = Field(
        default=None, description="Explicit planner: a local path, a hub id, or the HTTP model name."
    )
    llm_hub_id: str = "Qwen/Qwen2.5-Coder-0.5B-Instruct"
    llm_max_new_tokens: int = 512
    llm_timeout_s: float = 120.0

    # --- perception / embedding roles: explicit path or id, else hub id, else offline pack
    embedder_model: str | None = None
    embedder_hub_id: str = "sentence-transformers/all-MiniLM-L6-v2"
    speech_model: str | None = None
    speech_hub_id: str = "Systran/faster-whisper-base"
    clip_model: str | None = None
    clip_hub_id: str = "openai/clip-vit-base-patch32"
    captioner_model: str | None = None
    captioner_hub_id: str = "Salesforce/blip-image-captioning-base"
    tagger_model: str | None = None

    # --- video sampling -----------------------------------------------------------------
    sample_fps: float = Field(default=0.5, description="Base frame sampling rate (frames/s).")
    scene_threshold: float = Field(default=0.25, description="Frame-difference keyframe cut.")
    max_frames_per_minute: int = 60
    segment_s: float = Field(default=10.0, description="Length of one video-log entry.")

    # --- limits ---------------------------------------------------------------------------
    max_upload_bytes: int = 2 * 1024**3
    max_video_pixels: int = 8192 * 8192
    max_steps: int = 20
    max_wall_s: float = 600.0
    tool_timeout_s: float = 120.0
    max_consecutive_failures: int = 3
    max_total_failures: int = 6
    observation_max_chars: int = 2000
    context_reserve_tokens: int = 1024
    context_limit_tokens: int | None = Field(
        default=None, description="Cap the planner's context below the model's own length."
    )

    # --- server -----------------------------------------------------------------------------
    # NoDecode: SOKRAT_API_KEYS is "k1,k2" (split below), not JSON
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list, description="Bearer keys for /v1.")
    task_namespace: str = Field(
        default="sokrat", description="Key prefix of the task queue in Redis (separate deployments on one Redis)."
    )
    task_visibility_s: float = Field(
        default=60.0,
        description="A running task whose worker sent no heartbeat for this long is picked up by another worker.",
    )
    worker_grace_s: float = Field(
        default=30.0, description="On SIGTERM, how long a worker lets running tasks finish before releasing them."
    )
    task_events_max: int = Field(default=10_000, description="Events kept per task (older ones are trimmed).")

    # --- tools (code sandbox, document search, MCP) ------------------------------------------
    code_sandbox: Literal["bubblewrap", "rlimits"] = Field(
        default="bubblewrap",
        description="How python_exec isolates code: `bubblewrap` (namespaces, no network, read-only system; "
        "refuses where bwrap cannot run) or `rlimits` (resource limits only, NOT a security boundary).",
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    def resolved_device(self) -> str:
        """`cuda` when asked for or when `auto` and torch sees a GPU; else `cpu`."""
        if self.device != "auto":
            return self.device
        try:
            import torch
        except ImportError:
            return "cpu"
        return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once from the environment."""
    return Settings()
