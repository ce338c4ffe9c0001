#include "parley/fusion.hpp"

#include <algorithm>

namespace parley {

float fuse_weighted(float lexical, float cosine, float vector_weight) {
    const float l = std::clamp(lexical, 0.0f, 1.0f);
    const float c = std::clamp(cosine, 0.0f, 1.0f);
    const float w = std::clamp(vector_weight, 0.0f, 1.0f);
    return (1.0f - w) * l + w * c;
}

float fuse_rrf(std::size_t lexical_rank, std::size_t vector_rank, float k) {
    float score = 0.0f;
    if (lexical_rank > 0) score += 1.0f / (k + static_cast<float>(lexical_rank));
    if (vector_rank > 0) score += 1.0f / (k + static_cast<float>(vector_rank));
    return score;
}

}  // namespace parley
