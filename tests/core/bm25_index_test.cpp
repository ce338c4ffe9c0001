#include "parley/bm25_index.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("bm25 ranks the document sharing the rarest terms first") {
    bm25_builder b;
    b.add({"ship", "time", "europe"});
    b.add({"return", "policy"});
    b.add({"ship", "cost"});
    const auto index = std::move(b).build();
    CHECK(index.size() == 3);
    const auto hits = index.top_k({"ship", "cost"}, 3);
    REQUIRE(hits.size() == 2);
    CHECK(hits[0].doc == 2);
    CHECK(hits[1].doc == 0);
    CHECK(hits[0].score > hits[1].score);
    CHECK(index.top_k({"unknown"}, 3).empty());
    CHECK(index.top_k({}, 3).empty());
}

TEST_CASE("repeated query terms count once; doc weights scale scores") {
    bm25_builder b;
    b.add({"refund"}, 1.0f);
    b.add({"refund"}, 0.3f);
    const auto index = std::move(b).build();
    const auto once = index.top_k({"refund"}, 2);
    const auto thrice = index.top_k({"refund", "refund", "refund"}, 2);
    CHECK(once[0].score == doctest::Approx(thrice[0].score));
    CHECK(once[1].score == doctest::Approx(once[0].score * 0.3f));
}

TEST_CASE("reference score and idf coverage") {
    bm25_builder b;
    b.add({"a", "b"});
    b.add({"a", "c"});
    const auto index = std::move(b).build();
    CHECK(index.idf("zzz") > index.idf("b"));
    CHECK(index.idf("b") > index.idf("a"));
    CHECK(index.reference_score({"a", "b"}) == doctest::Approx(index.idf("a") + index.idf("b")));
    CHECK(index.matched_idf({"a", "b", "zzz"}, 0) ==
          doctest::Approx(index.idf("a") + index.idf("b")));
    CHECK(index.matched_idf({"c"}, 0) == 0.0f);
}

TEST_CASE("an empty index answers nothing") {
    const auto index = bm25_builder{}.build();
    CHECK(index.top_k({"x"}, 5).empty());
}
