#include "parley/config.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace parley;

namespace {
// Parses and returns the error text ("" when the config is valid).
std::string error_of(const std::string& json) {
    try {
        parse_config(json);
        return "";
    } catch (const config_error& e) {
        return e.what();
    }
}
const std::string shop = R"("shop":{"name":"S","locale":"en"})";
}  // namespace

TEST_CASE("the contract config parses") {
    const auto c = parse_config(
        R"({"shop":{"name":"S","locale":"zh"},"faqs":[{"id":"a","questions":["q"],"answer":"x"}]})");
    CHECK(c.shop.locale == language::zh);
    REQUIRE(c.faqs.size() == 1);
    CHECK(c.faqs[0].answer_for(language::en) == "x");
    CHECK(c.handoff.confidence_threshold == doctest::Approx(0.15));
}

TEST_CASE("the bundled demo shop is valid and rich") {
    const auto c = parse_config(test::demo_config_text());
    CHECK(c.faqs.size() >= 40);
    CHECK(c.flows.size() == 5);
    for (const auto& f : c.faqs) {
        CHECK_FALSE(f.answer_for(language::zh).empty());
        CHECK_FALSE(f.answer_for(language::en).empty());
    }
    const auto* order = c.find_flow("order_status");
    REQUIRE(order != nullptr);
    CHECK(order->action == "order_lookup");
    CHECK(order->slots.size() == 2);
    CHECK_FALSE(c.hours.always_open);
    CHECK(c.hours.weekly[0].size() == 1);
}

TEST_CASE("errors name the JSON path and what was expected") {
    CHECK(error_of("{").find("(root): expected valid JSON") == 0);
    CHECK(error_of("[]") == "(root): expected an object, got an array");
    CHECK(error_of("{}") == "shop: expected an object with the shop's name and locale");
    CHECK(error_of("{" + shop + "}") == "faqs: expected an array of FAQs");
    CHECK(
        error_of(
            "{" + shop +
            R"(,"faqs":[{"id":"a","questions":["q"],"answer":"x"},{"id":"b","questions":["q"],"answer":"x"},{"id":"c","questions":["q"],"answer":"x"},{"id":"d","questions":[],"answer":"x"}]})") ==
        "faqs[3].questions: expected a non-empty array of strings");
    CHECK(error_of("{" + shop + R"(,"faqs":[{"id":"a","questions":["q", 3],"answer":"x"}]})") ==
          "faqs[0].questions[1]: expected a string, got a number");
    CHECK(error_of("{" + shop + R"(,"faqs":[{"id":"a","questions":["q"],"answer":""}]})") ==
          "faqs[0].answer: expected a non-empty string");
    CHECK(
        error_of(
            "{" + shop +
            R"(,"faqs":[{"id":"a","questions":["q"],"answer":"x"},{"id":"a","questions":["q"],"answer":"x"}]})")
            .find("faqs[1].id: expected a unique id") == 0);
    CHECK(error_of(R"({"shop":{"name":"S","locale":"fr"},"faqs":[]})") ==
          "shop.locale: expected \"en\" or \"zh\"");
    CHECK(error_of("{" + shop + R"(,"faqs":[],"handoff":{"confidence_threshold":2}})") ==
          "handoff.confidence_threshold: expected a number between 0 and 1");
    CHECK(error_of("{" + shop +
                   R"(,"faqs":[],"flows":[{"id":"x","builtin":"teleport","questions":["q"]}]})")
              .find("flows[0].builtin: expected one of order_status") == 0);
    CHECK(error_of("{" + shop +
                   R"(,"faqs":[],"business_hours":{"weekly":{"mon":[["18:00","09:00"]]}}})") ==
          "business_hours.weekly.mon[0]: expected the closing time after the opening time");
    CHECK(error_of("{" + shop + R"(,"faqs":[],"widget":{"color":"red"}})") ==
          "widget.color: expected a colour like \"#1f6feb\"");
    CHECK(error_of("{" + shop + R"(,"faqs":[],"retrieval":{"centroid_weight":1.5}})") ==
          "retrieval.centroid_weight: expected a number between 0 and 1");
    const auto c = parse_config("{" + shop + R"(,"faqs":[],"retrieval":{"centroid_weight":0.25}})");
    CHECK(c.retrieval.centroid_weight == doctest::Approx(0.25));
    CHECK(parse_config("{" + shop + R"(,"faqs":[]})").retrieval.centroid_weight ==
          doctest::Approx(0.7));
}

TEST_CASE("unknown fields are refused by name, extension fields are allowed") {
    CHECK(error_of("{" + shop + R"(,"faqs":[],"greting":"hi"})").find("greting: unknown field") ==
          0);
    CHECK(error_of("{" + shop +
                   R"(,"faqs":[{"id":"a","questions":["q"],"answer":"x","anwser":"y"}]})")
              .find("faqs[0].anwser: unknown field") == 0);
    CHECK(error_of("{" + shop + R"(,"faqs":[],"x-editor":{"any":1},"$schema":"s"})") == "");
}

TEST_CASE("built-in flows can be customised") {
    const auto c = parse_config(
        "{" + shop +
        R"(,"faqs":[],"flows":[{"id":"track","builtin":"order_status","questions":["track it"],"done":"Checking {order_number}"}]})");
    REQUIRE(c.flows.size() == 1);
    CHECK(c.flows[0].action == "order_lookup");
    CHECK(c.flows[0].done.get(language::en) == "Checking {order_number}");
    CHECK(c.message("fallback", language::zh).find("抱歉") == 0);
}

TEST_CASE("hostile config text never crashes") {
    CHECK_FALSE(error_of(std::string(100000, '[')).empty());
    CHECK_FALSE(error_of("{\"shop\":\"\xff\"}").empty());
    CHECK_FALSE(error_of("").empty());
    CHECK_FALSE(error_of(std::string("{\"shop\":{\"name\":\"a\",\"locale\":\"en\"},\"faqs\":[{"
                                     "\"id\":\"a b\",\"questions\":[\"q\"],\"answer\":\"x\"}]}"))
                    .empty());
}

TEST_CASE("integrations: endpoints, eligibility rules and webhooks") {
    const auto c = parse_config(R"({"shop":{"name":"S","locale":"en"},"faqs":[],
      "integrations":{
        "endpoints":{"order_lookup":{"url":"https://shop.test/o/{order_number}?e={email}",
                                     "headers":{"X-Key":"k"},"hmac_secret":"s","timeout_ms":500,
                                     "retries":1,"fields":{"status":"/order/state"}},
                     "return_request":{"url":"{self}/r","method":"POST"}},
        "rules":{"return_request":{"window_days":30,"statuses":["delivered"]}},
        "webhooks":[{"url":"http://127.0.0.1:9/h","secret":"w","events":["ticket.created"]}],
        "inbound_secret":"in"}})");
    const auto* lookup = c.integrations.endpoint("order_lookup");
    REQUIRE(lookup != nullptr);
    CHECK(lookup->method == "GET");
    CHECK(lookup->headers.at("X-Key") == "k");
    CHECK(lookup->timeout_ms == 500);
    CHECK(lookup->fields.at("status") == "/order/state");
    CHECK(c.integrations.endpoint("cancel_order") == nullptr);
    REQUIRE(c.integrations.rule("return_request") != nullptr);
    CHECK(c.integrations.rule("return_request")->window_days == 30);
    REQUIRE(c.integrations.webhooks.size() == 1);
    CHECK(c.integrations.webhooks[0].events == std::vector<std::string>{"ticket.created"});
    CHECK(c.integrations.inbound_secret == "in");

    const std::string base = "{" + shop + R"(,"faqs":[],"integrations":)";
    CHECK(error_of(base + R"({"endpoints":{"order_lookup":{"url":"ftp://x"}}}})") ==
          "integrations.endpoints.order_lookup.url: expected a URL starting with https://, "
          "http:// or {self}/");
    CHECK(error_of(base + R"({"endpoints":{"refund_everything":{"url":"https://x"}}}})")
              .rfind("integrations.endpoints.refund_everything: expected an action name", 0) == 0);
    CHECK(error_of(base +
                   R"({"endpoints":{"order_lookup":{"url":"https://x","method":"DELETE"}}}})") ==
          "integrations.endpoints.order_lookup.method: expected GET or POST");
    CHECK(
        error_of(
            base +
            R"({"endpoints":{"order_lookup":{"url":"https://x","headers":{"X":"a\r\nB: c"}}}}})") ==
        "integrations.endpoints.order_lookup.headers.X: expected a header value without line "
        "breaks");
    CHECK(error_of(base + R"({"webhooks":[{"url":"https://x"}]}})") ==
          "integrations.webhooks[0].secret: expected a signing secret");
    CHECK(error_of(base +
                   R"({"webhooks":[{"url":"https://x","secret":"s","events":["order.eaten"]}]}})")
              .rfind("integrations.webhooks[0].events[0]: expected a webhook event name", 0) == 0);
    CHECK(
        error_of(base + R"({"rules":{"order_lookup":{}}}})") ==
        "integrations.rules.order_lookup: expected return_request, cancel_order or change_address");
}

TEST_CASE("proactive triggers") {
    const auto c = parse_config("{" + shop + R"(,"faqs":[],"proactive":{"max_per_day":1,
      "triggers":[{"id":"p","on":"time_on_page","url":"/products/*","seconds":5,"text":"Hi"},
                  {"id":"x","on":"exit_intent","text":{"en":"Wait","zh":"等等"}}]}})");
    REQUIRE(c.proactive.triggers.size() == 2);
    CHECK(c.proactive.max_per_day == 1);
    CHECK(c.proactive.triggers[0].seconds == 5);
    CHECK(c.proactive.triggers[1].url == "*");
    CHECK(c.proactive.triggers[1].text.get(language::zh) == "等等");
    const std::string base = "{" + shop + R"(,"faqs":[],"proactive":{"triggers":[)";
    CHECK(error_of(base + R"({"id":"p","on":"scroll","text":"x"}]}})") ==
          "proactive.triggers[0].on: expected \"time_on_page\" or \"exit_intent\"");
    CHECK(
        error_of(
            base +
            R"({"id":"p","on":"exit_intent","text":"x"},{"id":"p","on":"exit_intent","text":"y"}]}})") ==
        "proactive.triggers[1].id: expected a unique id");
    CHECK(error_of(base + R"({"id":"p","on":"exit_intent"}]}})") ==
          "proactive.triggers[0].text: expected the message text");
}
