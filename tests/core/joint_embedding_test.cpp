#include "parley/joint_embedding.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "parley/vector_index.hpp"

using namespace parley;

namespace {

float dot(const std::vector<float>& x, const std::vector<float>& y) {
    float s = 0.0f;
    for (std::size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
    return s;
}

float cosine(const std::vector<float>& x, const std::vector<float>& y) {
    return dot(x, y) / std::sqrt(dot(x, x) * dot(y, y));
}

}  // namespace

TEST_CASE("the dot product of joined vectors mixes the two models' cosines") {
    const std::vector<float> a1{1, 2, 0}, a2{2, 1, 1}, b1{0.5f, -1}, b2{1, 3};
    for (float w : {0.0f, 0.3f, 0.5f, 1.0f}) {
        const auto j1 = join_embeddings(a1, b1, w), j2 = join_embeddings(a2, b2, w);
        REQUIRE(j1.size() == 5);
        CHECK(dot(j1, j1) == doctest::Approx(1.0f));
        CHECK(dot(j1, j2) ==
              doctest::Approx((1 - w) * cosine(a1, a2) + w * cosine(b1, b2)).epsilon(1e-5));
    }
}

TEST_CASE("rows are joined one by one, and bad shapes or weights are refused") {
    const std::vector<float> a{3, 4, 0, 2}, b{1, 0, 0, 0, 5, 0};  // 2 rows: 2-d and 3-d
    const auto rows = join_embedding_rows(a, 2, b, 3, 0.5f);
    REQUIRE(rows.size() == 10);
    const float h = std::sqrt(0.5f);
    CHECK(rows[0] == doctest::Approx(0.6f * h));
    CHECK(rows[1] == doctest::Approx(0.8f * h));
    CHECK(rows[2] == doctest::Approx(h));
    CHECK(rows[5] == doctest::Approx(0.0f));  // a's second row: (0, 2)
    CHECK(rows[6] == doctest::Approx(h));
    CHECK(rows[8] == doctest::Approx(h));  // b's second row: (0, 5, 0)
    CHECK_THROWS_AS(join_embedding_rows(a, 2, b, 2, 0.5f), std::invalid_argument);
    CHECK_THROWS_AS(join_embedding_rows(a, 4, b, 3, 0.5f), std::invalid_argument);
    CHECK_THROWS_AS(join_embeddings(a, b, 1.5f), std::invalid_argument);
    CHECK_THROWS_AS(join_embeddings(a, b, -0.1f), std::invalid_argument);
    // A part of norm 0 adds nothing: only the other model speaks.
    const auto zero = join_embeddings(std::vector<float>{0, 0}, std::vector<float>{0, 2}, 0.5f);
    CHECK(zero == std::vector<float>{0, 0, 0, h});
}

TEST_CASE("in a vector index, the joint ranking follows the weighted models") {
    // Model a prefers document 0 for the query, model b document 1 by more.
    const std::vector<std::vector<float>> doc_a{{1, 0}, {0.8f, 0.6f}}, doc_b{{0.6f, 0.8f}, {1, 0}};
    const std::vector<float> query_a{1, 0}, query_b{1, 0};
    auto best = [&](float w) {
        vector_index index(4, vector_storage::float32);
        for (int d = 0; d < 2; ++d) index.add(join_embeddings(doc_a[d], doc_b[d], w));
        return index.top_k(join_embeddings(query_a, query_b, w), 1).front().id;
    };
    CHECK(best(0.0f) == 0);  // a alone: 1.0 against 0.8
    CHECK(best(1.0f) == 1);  // b alone: 1.0 against 0.6
    CHECK(best(0.5f) == 1);  // 0.8 against 0.9
    CHECK(best(0.2f) == 0);  // 0.92 against 0.84
}
