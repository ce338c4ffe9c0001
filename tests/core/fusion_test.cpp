#include "parley/fusion.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("weighted fusion clamps and mixes") {
    CHECK(fuse_weighted(1.0f, 0.0f, 0.5f) == doctest::Approx(0.5f));
    CHECK(fuse_weighted(2.0f, -1.0f, 0.0f) == doctest::Approx(1.0f));
    CHECK(fuse_weighted(0.0f, 0.8f, 1.0f) == doctest::Approx(0.8f));
}

TEST_CASE("reciprocal rank fusion rewards agreement") {
    CHECK(fuse_rrf(1, 1) > fuse_rrf(1, 0));
    CHECK(fuse_rrf(1, 10) > fuse_rrf(5, 5) - 0.01f);
    CHECK(fuse_rrf(0, 0) == 0.0f);
}
