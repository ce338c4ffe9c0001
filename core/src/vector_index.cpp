#include "parley/vector_index.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley {

namespace {
float norm_of(std::span<const float> v) {
    double sum = 0;
    for (float x : v) sum += static_cast<double>(x) * x;
    return static_cast<float>(std::sqrt(sum));
}
}  // namespace

std::size_t vector_index::memory_bytes() const {
    return floats_.capacity() * sizeof(float) + bytes_.capacity() +
           scales_.capacity() * sizeof(float);
}

std::uint32_t vector_index::add(std::span<const float> vector) {
    if (vector.size() != dimension_) throw std::invalid_argument("vector_index: wrong dimension");
    const float norm = norm_of(vector);
    if (!(norm > 0.0f) || !std::isfinite(norm))
        throw std::invalid_argument("vector_index: zero or non-finite vector");
    if (storage_ == vector_storage::float32) {
        for (float x : vector) floats_.push_back(x / norm);
    } else {
        float max_abs = 0;
        for (float x : vector) max_abs = std::max(max_abs, std::fabs(x / norm));
        const float scale = max_abs / 127.0f;
        for (float x : vector)
            bytes_.push_back(static_cast<std::int8_t>(std::lround((x / norm) / scale)));
        scales_.push_back(scale);
    }
    return static_cast<std::uint32_t>(count_++);
}

std::uint32_t vector_index::add_int8(std::span<const std::int8_t> vector, float scale) {
    std::vector<float> as_float(vector.size());
    for (std::size_t i = 0; i < vector.size(); ++i) as_float[i] = vector[i] * scale;
    return add(as_float);
}

std::vector<float> vector_index::normalized_query(std::span<const float> query) const {
    if (query.size() != dimension_)
        throw std::invalid_argument("vector_index: wrong query dimension");
    const float norm = norm_of(query);
    std::vector<float> q(query.begin(), query.end());
    if (norm > 0.0f)
        for (auto& x : q) x /= norm;
    return q;
}

float vector_index::cosine(std::span<const float> query, std::uint32_t id) const {
    const auto q = normalized_query(query);
    float dot = 0;
    if (storage_ == vector_storage::float32) {
        const float* v = floats_.data() + static_cast<std::size_t>(id) * dimension_;
        for (std::size_t i = 0; i < dimension_; ++i) dot += q[i] * v[i];
    } else {
        const std::int8_t* v = bytes_.data() + static_cast<std::size_t>(id) * dimension_;
        for (std::size_t i = 0; i < dimension_; ++i) dot += q[i] * v[i];
        dot *= scales_[id];
    }
    return dot;
}

std::vector<float> vector_index::cosine_all(std::span<const float> query) const {
    const auto q = normalized_query(query);
    std::vector<float> out(count_);
    for (std::size_t id = 0; id < count_; ++id) {
        float dot = 0;
        if (storage_ == vector_storage::float32) {
            const float* v = floats_.data() + id * dimension_;
            for (std::size_t i = 0; i < dimension_; ++i) dot += q[i] * v[i];
        } else {
            const std::int8_t* v = bytes_.data() + id * dimension_;
            for (std::size_t i = 0; i < dimension_; ++i) dot += q[i] * static_cast<float>(v[i]);
            dot *= scales_[id];
        }
        out[id] = dot;
    }
    return out;
}

std::vector<scored_vector> vector_index::top_k(std::span<const float> query, std::size_t k) const {
    const auto all = cosine_all(query);
    std::vector<scored_vector> hits(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) hits[i] = {static_cast<std::uint32_t>(i), all[i]};
    auto better = [](const scored_vector& a, const scored_vector& b) {
        return a.cosine != b.cosine ? a.cosine > b.cosine : a.id < b.id;
    };
    k = std::min(k, hits.size());
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end(),
                      better);
    hits.resize(k);
    return hits;
}

}  // namespace parley
