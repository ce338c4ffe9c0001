#include "parley/joint_embedding.hpp"

#include <cmath>
#include <stdexcept>

namespace parley {

namespace {

void append_scaled(std::vector<float>& out, std::span<const float> v, float scale) {
    double norm = 0.0;
    for (float x : v) norm += static_cast<double>(x) * x;
    const float k = norm > 0.0 ? scale / static_cast<float>(std::sqrt(norm)) : 0.0f;
    for (float x : v) out.push_back(x * k);
}

void check_weight(float weight_b) {
    if (!(weight_b >= 0.0f && weight_b <= 1.0f))
        throw std::invalid_argument("joint embedding: the weight must be in [0, 1]");
}

}  // namespace

std::vector<float> join_embeddings(std::span<const float> a, std::span<const float> b,
                                   float weight_b) {
    check_weight(weight_b);
    std::vector<float> out;
    out.reserve(a.size() + b.size());
    append_scaled(out, a, std::sqrt(1.0f - weight_b));
    append_scaled(out, b, std::sqrt(weight_b));
    return out;
}

std::vector<float> join_embedding_rows(std::span<const float> a, std::size_t dimension_a,
                                       std::span<const float> b, std::size_t dimension_b,
                                       float weight_b) {
    check_weight(weight_b);
    if (dimension_a == 0 || dimension_b == 0 || a.size() % dimension_a != 0 ||
        b.size() % dimension_b != 0 || a.size() / dimension_a != b.size() / dimension_b)
        throw std::invalid_argument("joint embedding: the two models' rows disagree in shape");
    const std::size_t rows = a.size() / dimension_a;
    const float scale_a = std::sqrt(1.0f - weight_b), scale_b = std::sqrt(weight_b);
    std::vector<float> out;
    out.reserve(rows * (dimension_a + dimension_b));
    for (std::size_t r = 0; r < rows; ++r) {
        append_scaled(out, a.subspan(r * dimension_a, dimension_a), scale_a);
        append_scaled(out, b.subspan(r * dimension_b, dimension_b), scale_b);
    }
    return out;
}

}  // namespace parley
