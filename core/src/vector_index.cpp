#include "parley/vector_index.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley {

namespace {
// Eight independent partial sums: the compiler may not reorder a float
// reduction by itself (-ffast-math is off), but it does vectorize this.
template <typename T>
float dot(const float* q, const T* v, std::size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (std::size_t k = 0; k < 8; ++k) acc[k] += q[i + k] * static_cast<float>(v[i + k]);
    float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) sum += q[i] * static_cast<float>(v[i]);
    return sum;
}

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

void vector_index::reserve(std::size_t count) {
    if (storage_ == vector_storage::float32)
        floats_.reserve(count * dimension_);
    else
        bytes_.reserve(count * dimension_), scales_.reserve(count);
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
    const std::size_t offset = static_cast<std::size_t>(id) * dimension_;
    if (storage_ == vector_storage::float32)
        return dot(q.data(), floats_.data() + offset, dimension_);
    return dot(q.data(), bytes_.data() + offset, dimension_) * scales_[id];
}

std::vector<float> vector_index::cosine_all(std::span<const float> query) const {
    const auto q = normalized_query(query);
    std::vector<float> out(count_);
    for (std::size_t id = 0; id < count_; ++id) {
        const std::size_t offset = id * dimension_;
        out[id] = storage_ == vector_storage::float32
                      ? dot(q.data(), floats_.data() + offset, dimension_)
                      : dot(q.data(), bytes_.data() + offset, dimension_) * scales_[id];
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
