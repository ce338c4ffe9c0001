#pragma once
// Fusing a lexical and a semantic score into one ranking score. Weighted
// fusion of normalized scores keeps magnitudes (needed for calibration);
// reciprocal rank fusion is offered for callers that only trust ranks.
#include <cstddef>
#include <vector>

namespace parley {

// `lexical` is BM25 divided by the query's reference score (clamped to [0, 1]),
// `cosine` in [-1, 1] (negative clamped to 0); weight is the share of cosine.
float fuse_weighted(float lexical, float cosine, float vector_weight);

// Reciprocal rank fusion (Cormack et al. 2009): sum of 1 / (k + rank), ranks from 1.
float fuse_rrf(std::size_t lexical_rank, std::size_t vector_rank, float k = 60.0f);

}  // namespace parley
