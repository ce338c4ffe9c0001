#include "parley/decision.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("decision: answer, clarify and fallback") {
    handoff_settings s;
    retrieval_result res;
    CHECK(decide(res, s).kind == decision_kind::fallback);
    res.ranked = {{0, 1, 1, 0, 1.0f}, {1, 1, 1, 0, 0.99f}};
    res.margin = 0.01f;
    res.confidence = 0.9f;
    auto d = decide(res, s);
    CHECK(d.kind == decision_kind::clarify);
    CHECK(d.options.size() == 2);
    res.margin = 0.5f;
    res.ranked[1].score = 0.5f;
    d = decide(res, s);
    CHECK(d.kind == decision_kind::answer);
    CHECK(d.item == 0);
    res.confidence = 0.01f;
    CHECK(decide(res, s).kind == decision_kind::fallback);
}

TEST_CASE("decision: clarify offers at most three options within the margin") {
    handoff_settings s;
    s.clarify_margin = 0.1;
    retrieval_result res;
    res.confidence = 0.9f;
    res.margin = 0.01f;
    res.ranked = {{0, 0, 0, 0, 1.0f},
                  {1, 0, 0, 0, 0.99f},
                  {2, 0, 0, 0, 0.95f},
                  {3, 0, 0, 0, 0.94f},
                  {4, 0, 0, 0, 0.5f}};
    const auto d = decide(res, s);
    CHECK(d.kind == decision_kind::clarify);
    CHECK(d.options == std::vector<std::uint32_t>{0, 1, 2});
}
