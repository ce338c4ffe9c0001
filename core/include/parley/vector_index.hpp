#pragma once
// A flat vector index over embeddings computed outside the core (by ONNX
// Runtime in the browser or on the server). Vectors are L2-normalized on
// insertion so cosine similarity is a dot product; int8 storage keeps one
// scale per vector and cuts memory by four for large FAQ sets.
#include <cstdint>
#include <span>
#include <vector>

namespace parley {

enum class vector_storage { float32, int8 };

struct scored_vector {
    std::uint32_t id = 0;
    float cosine = 0.0f;
};

class vector_index {
  public:
    vector_index() = default;
    vector_index(std::size_t dimension, vector_storage storage)
        : dimension_(dimension), storage_(storage) {}

    std::size_t dimension() const { return dimension_; }
    std::size_t size() const { return count_; }
    vector_storage storage() const { return storage_; }
    std::size_t memory_bytes() const;

    void reserve(std::size_t count);
    // Adds a float vector (any norm); returns its id, dense from 0. A zero
    // vector or one of the wrong dimension is refused (std::invalid_argument).
    std::uint32_t add(std::span<const float> vector);
    // Adds an already-quantized vector: values q[i] * scale.
    std::uint32_t add_int8(std::span<const std::int8_t> vector, float scale);

    float cosine(std::span<const float> query, std::uint32_t id) const;
    // Cosine with every stored vector, then the best k.
    std::vector<scored_vector> top_k(std::span<const float> query, std::size_t k) const;
    std::vector<float> cosine_all(std::span<const float> query) const;

  private:
    std::vector<float> normalized_query(std::span<const float> query) const;

    std::size_t dimension_ = 0;
    vector_storage storage_ = vector_storage::float32;
    std::size_t count_ = 0;
    std::vector<float> floats_;
    std::vector<std::int8_t> bytes_;
    std::vector<float> scales_;  // int8: per-vector scale so that q * scale is unit length
};

}  // namespace parley
