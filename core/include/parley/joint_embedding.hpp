#pragma once
// Two models' embeddings of one text as a single vector. Each part is
// L2-normalized and scaled by sqrt(1 - w) and sqrt(w), so the dot product of
// two joined vectors is (1 - w) * cos_a + w * cos_b: an ensemble of the two
// models at the level of each question, which the retriever, its calibration
// and the dialog engine use as they use any one model's vectors. The server's
// re-rank engine joins the student with a large model this way.
#include <cstddef>
#include <span>
#include <vector>

namespace parley {

// `weight_b` in [0, 1] is the share of b's cosine; throws std::invalid_argument
// outside it. A part of norm 0 contributes zeros.
std::vector<float> join_embeddings(std::span<const float> a, std::span<const float> b,
                                   float weight_b);

// Row by row: `a` holds rows x dimension_a floats, `b` rows x dimension_b;
// returns rows x (dimension_a + dimension_b). Throws std::invalid_argument
// when the shapes disagree.
std::vector<float> join_embedding_rows(std::span<const float> a, std::size_t dimension_a,
                                       std::span<const float> b, std::size_t dimension_b,
                                       float weight_b);

}  // namespace parley
