#include "order_info.hpp"

#include <doctest/doctest.h>

using namespace parley::server;
using nlohmann::json;

namespace {
const std::int64_t day_ms = 86'400'000;
// 2026-11-22T12:00:00Z
const std::int64_t now = 1'795'348'800'000;
}  // namespace

TEST_CASE("the shop's reply is read through the endpoint's field map") {
    parley::endpoint_spec e;
    const json plain = {{"status", "Shipped"},
                        {"carrier", "DHL"},
                        {"tracking_number", "1Z9"},
                        {"tracking_url", "https://dhl.test/t?1Z9"},
                        {"estimated_delivery", "2026-11-25"},
                        {"email", "Alex@Example.com"},
                        {"items", json::array({{{"name", "Jacket"}, {"quantity", 2}}, "Mug"})}};
    auto o = map_order(plain, e, "1001");
    REQUIRE(o);
    CHECK(o->status == "shipped");
    CHECK(o->items.size() == 2);
    CHECK(o->items[0].quantity == 2);
    CHECK(o->items[1].name == "Mug");
    CHECK(o->to_json().contains("email") == false);  // never sent to the widget

    e.fields["status"] = "/order/state";
    e.fields["email"] = "/customer/email";
    const json nested = {{"order", {{"state", "delivered"}}}, {"customer", {{"email", "a@b.c"}}}};
    o = map_order(nested, e, "7");
    REQUIRE(o);
    CHECK(o->status == "delivered");
    CHECK(o->email == "a@b.c");

    CHECK_FALSE(map_order(json::array(), e, "7"));       // not an object
    CHECK_FALSE(map_order(json{{"order", 1}}, e, "7"));  // no status
    CHECK_FALSE(map_order(json("shipped"), parley::endpoint_spec{}, "7"));
}

TEST_CASE("tracking links are http(s) only") {
    for (const auto* bad : {"javascript:alert(1)", "data:text/html,x", "https://a.test/\"><script>",
                            "ftp://x", "//evil.test"}) {
        auto o = map_order(json{{"status", "shipped"}, {"tracking_url", bad}}, {}, "1");
        REQUIRE(o);
        CHECK(o->tracking_url.empty());
    }
}

TEST_CASE("an order is shown only to its owner") {
    order_info o;
    o.email = "Alex@Example.com";
    CHECK(order_belongs_to(o, "alex@example.com", ""));
    CHECK_FALSE(order_belongs_to(o, "eve@example.com", ""));
    CHECK_FALSE(order_belongs_to(o, "", ""));
    o.customer_id = "u-1";
    CHECK(order_belongs_to(o, "eve@example.com", "u-1"));
    CHECK_FALSE(order_belongs_to(o, "eve@example.com", "u-2"));
    order_info anonymous;  // a reply with neither email nor customer id
    anonymous.status = "shipped";
    CHECK_FALSE(order_belongs_to(anonymous, "a@b.c", "u-1"));
}

TEST_CASE("eligibility: allowed statuses and the return window") {
    parley::eligibility_rule rule;
    rule.statuses = {"delivered"};
    rule.window_days = 30;
    order_info o;
    o.status = "delivered";
    o.delivered_at = "2026-11-10";
    CHECK(check_eligibility(rule, o, now).allowed);
    o.delivered_at = "2026-10-01T08:00:00Z";
    auto e = check_eligibility(rule, o, now);
    CHECK_FALSE(e.allowed);
    CHECK(e.refusal == "window");
    CHECK(e.days_since_delivery == 52);
    o.status = "shipped";
    e = check_eligibility(rule, o, now);
    CHECK_FALSE(e.allowed);
    CHECK(e.refusal == "status");
    CHECK(check_eligibility(parley::eligibility_rule{}, o, now).allowed);  // no rule, no limits
}

TEST_CASE("days since an ISO date") {
    CHECK(days_since("2026-11-22", now) == 0);
    CHECK(days_since("2026-11-21", now) == 1);
    CHECK(days_since("2025-11-22", now) == 365);
    CHECK(days_since("2024-02-29", now + 0 * day_ms) == 997);
    CHECK_FALSE(days_since("yesterday", now));
    CHECK_FALSE(days_since("2026-13-01", now));
    CHECK_FALSE(days_since("", now));
}

TEST_CASE("the bot describes an order in the shopper's language") {
    const auto cfg = parley::parse_config(R"({"shop":{"name":"S","locale":"en"},"faqs":[]})");
    order_info o;
    o.number = "1001";
    o.status = "shipped";
    o.carrier = "DHL";
    o.tracking_number = "1Z9";
    o.estimated_delivery = "2026-11-25";
    o.items = {{"Jacket", 1}, {"Socks", 3}};
    CHECK(describe_order(cfg, parley::language::en, o) ==
          "Order 1001 is shipped. It's with DHL, tracking number 1Z9. Estimated delivery: "
          "2026-11-25. Items: Jacket, 3 × Socks.");
    const auto zh = describe_order(cfg, parley::language::zh, o);
    CHECK(zh.find("已发货") != std::string::npos);
    CHECK(zh.find("1Z9") != std::string::npos);
    o.status = "delivered";
    o.delivered_at = "2026-11-20";
    CHECK(describe_order(cfg, parley::language::en, o).find("delivered on 2026-11-20") !=
          std::string::npos);
    CHECK(status_label("out_for_delivery", parley::language::en) == "out for delivery");
    CHECK(status_label("on_hold", parley::language::en) == "on hold");
}
