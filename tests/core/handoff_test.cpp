#include "parley/handoff.hpp"

#include <doctest/doctest.h>

using namespace parley;

TEST_CASE("explicit requests in English and Chinese") {
    for (const char* t : {"agent", "i want to talk to a real person", "can i speak to someone",
                          "human agent please", "转人工", "人工客服", "我要找人工", "给我转接客服"})
        CHECK_MESSAGE(is_explicit_handoff_request(t), t);
    for (const char* t :
         {"where is my order", "reagents", "is this jacket waterproof", "运费多少", ""})
        CHECK_FALSE_MESSAGE(is_explicit_handoff_request(t), t);
    CHECK(is_explicit_handoff_request("call the boss", {"The Boss"}));
}

TEST_CASE("policy order and reasons") {
    handoff_settings s;
    s.max_fallbacks = 2;
    CHECK(evaluate_handoff({true, 0.9, 5, true}, s) == handoff_reason::requested);
    CHECK(evaluate_handoff({false, 0.9, 5, true}, s) == handoff_reason::frustration);
    CHECK(evaluate_handoff({false, 0.1, 5, true}, s) == handoff_reason::flow_failed);
    CHECK(evaluate_handoff({false, 0.1, 2, false}, s) == handoff_reason::repeated_fallback);
    CHECK(evaluate_handoff({false, 0.1, 1, false}, s) == handoff_reason::none);
    s.max_fallbacks = 0;
    CHECK(evaluate_handoff({false, 0.1, 9, false}, s) == handoff_reason::none);
    handoff_reason r;
    CHECK(handoff_reason_from_name("flow_failed", r));
    CHECK(r == handoff_reason::flow_failed);
}
