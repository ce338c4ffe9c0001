#include "parley/session.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace parley;

TEST_CASE("session round-trips through JSON") {
    session s;
    s.lang = language::zh;
    s.turns = 3;
    s.consecutive_fallbacks = 1;
    s.flow = flow_state{"order_status", 1, {{"order_number", "1001"}}, 1};
    s.pending_options = {"a", "b"};
    s.handed_off = true;
    s.handoff = handoff_reason::frustration;
    s.last_item = "order_status";
    const auto back = session::from_json(s.to_json());
    CHECK(back.lang == language::zh);
    CHECK(back.turns == 3);
    REQUIRE(back.flow.has_value());
    CHECK(back.flow->values.at("order_number") == "1001");
    CHECK(back.pending_options.size() == 2);
    CHECK(back.handoff == handoff_reason::frustration);
    CHECK(back.to_json() == s.to_json());
}

TEST_CASE("bad session JSON is refused with a reason") {
    CHECK_THROWS_AS(session::from_json("{"), std::invalid_argument);
    CHECK_THROWS_AS(session::from_json("[]"), std::invalid_argument);
    CHECK_THROWS_AS(session::from_json(R"({"v":99})"), std::invalid_argument);
    session s;
    auto j = s.to_json();
    j.replace(j.find("\"en\""), 4, "\"fr\"");
    CHECK_THROWS_AS(session::from_json(j), std::invalid_argument);
}
