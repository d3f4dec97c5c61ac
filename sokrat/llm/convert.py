"""GGUF -> transformers conversion, for the transformers backend only.

llama.cpp loads a pack's GGUF as it is. transformers can read a GGUF too, but it dequantises
it on every load (~34 s for the 0.5B on 2 cores), and ``save_pretrained`` refuses a
GGUF-loaded model. So the first transformers load writes the weights once as bf16
safetensors plus config, generation config and tokenizer into the cache folder that
:func:`sokrat.weights.resolve` named; later loads take seconds.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sokrat.weights import ResolvedModel, build_atomically, write_manifest

log = logging.getLogger(__name__)


def convert_gguf(gguf: Path, out: Path, *, source_sha256: str | None, model_id: str) -> None:
    """Write ``gguf`` (dequantised by transformers) into ``out`` as a bf16 safetensors folder."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # save_pretrained refuses GGUF-loaded models: write the weights and configs ourselves.
    state = {k: v.detach().to(torch.bfloat16).contiguous() for k, v in model.state_dict().items()}
    if getattr(model.config, "tie_word_embeddings", False):
        state.pop("lm_head.weight", None)  # re-tied to embed_tokens on load; saves 270 MB (0.5B)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = model.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.dtype = torch.bfloat16
    config.save_pretrained(out)
    model.generation_config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    write_manifest(out, source_sha256=source_sha256, source=str(gguf), model_id=model_id,
                   convert_s=round(time.perf_counter() - t0, 1))


def ensure_converted(resolved: ResolvedModel) -> ResolvedModel:
    """``resolved`` ready to load with transformers: converts its ``convert_from`` GGUF once
    (atomically, one process at a time) when the folder is not built yet."""
    if resolved.ready or resolved.convert_from is None:
        return resolved
    gguf = resolved.convert_from
    if not gguf.is_file():
        raise FileNotFoundError(f"{gguf} is missing; resolve the planner with prepare=True first")
    log.warning("converting the planner from GGUF to bf16 safetensors in %s (once)", resolved.path)
    build_atomically(resolved.path, lambda tmp: convert_gguf(gguf, tmp, source_sha256=resolved.sha256,
                                                             model_id=resolved.model_id))
    return ResolvedModel(resolved.role, resolved.path, resolved.origin, resolved.model_id, resolved.sha256,
                         resolved.source)
