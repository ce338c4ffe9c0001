#include "parley/vector_index.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

using namespace parley;

TEST_CASE("cosine search over float and int8 storage agree") {
    for (auto storage : {vector_storage::float32, vector_storage::int8}) {
        vector_index index(3, storage);
        index.add(std::vector<float>{1, 0, 0});
        index.add(std::vector<float>{0, 2, 0});
        index.add(std::vector<float>{1, 1, 0});
        const std::vector<float> q{0, 1, 0.1f};
        const auto hits = index.top_k(q, 2);
        REQUIRE(hits.size() == 2);
        CHECK(hits[0].id == 1);
        CHECK(hits[1].id == 2);
        CHECK(hits[0].cosine == doctest::Approx(0.995).epsilon(0.01));
        CHECK(index.cosine(q, 0) == doctest::Approx(0.0).epsilon(0.01));
    }
}

TEST_CASE("bad vectors are refused") {
    vector_index index(2, vector_storage::float32);
    CHECK_THROWS_AS(index.add(std::vector<float>{0, 0}), std::invalid_argument);
    CHECK_THROWS_AS(index.add(std::vector<float>{1, 2, 3}), std::invalid_argument);
    index.add(std::vector<float>{1, 0});
    CHECK_THROWS_AS(index.top_k(std::vector<float>{1}, 1), std::invalid_argument);
}

TEST_CASE("int8 input with a scale") {
    vector_index index(2, vector_storage::int8);
    index.add_int8(std::vector<std::int8_t>{127, 0}, 0.01f);
    CHECK(index.cosine(std::vector<float>{1, 0}, 0) == doctest::Approx(1.0).epsilon(0.01));
    CHECK(index.memory_bytes() >= 2);
}
